"""The students in the gradebook: who they are (the roster, collect's hand-ins) and their extensions, read and
written here for the intake phase."""

from __future__ import annotations

import datetime as dt

from ..paths import Course
from .door import open_gradebook


def add_or_update_students(course: Course, students) -> None:
    """Create or update each of ``students`` (objects with ``id``, ``first_name``, ``last_name``, ``email``,
    ``lms_user_id``; None leaves a field as it is) in ``course``'s gradebook, as nbgrader's import does."""
    with open_gradebook(course) as gradebook:
        for student in students:
            gradebook.update_or_create_student(student.id, first_name=student.first_name,
                                               last_name=student.last_name, email=student.email,
                                               lms_user_id=student.lms_user_id)


def enrol(course: Course, ids) -> None:
    """Each of ``ids`` is a student in ``course``'s gradebook (created without a name where new)."""
    with open_gradebook(course) as gradebook:
        for student in ids:
            gradebook.update_or_create_student(student)


def students_in_gradebook(course: Course) -> list[tuple]:
    """(id, first_name, last_name, email, lms_user_id) of every student in ``course``'s gradebook; none when the
    course has no gradebook yet (it is not created just to be read)."""
    if not course.has_gradebook():
        return []
    with open_gradebook(course) as gradebook:
        return [(s.id, s.first_name, s.last_name, s.email, s.lms_user_id) for s in gradebook.students]


def extensions_of(course: Course, student_id: str) -> dict[str, dt.timedelta] | None:
    """{stage: extension} of ``student_id`` in ``course``'s gradebook (empty without a gradebook); None when the
    gradebook exists and does not know the student."""
    from nbgrader.api import MissingEntry, SubmittedAssignment

    if not course.has_gradebook():
        return {}
    with open_gradebook(course) as gradebook:
        try:
            student = gradebook.find_student(student_id)
        except MissingEntry:
            return None
        return {submission.assignment.name: submission.extension for submission in gradebook.db.query(
            SubmittedAssignment).filter(SubmittedAssignment.student_id == student.id,
                                        SubmittedAssignment.extension.isnot(None))}


def students_with_work(course: Course) -> set[str]:
    """The ids of the students who have a submission (and so grades) in ``course``'s gradebook."""
    from nbgrader.api import SubmittedAssignment

    if not course.has_gradebook():
        return set()
    with open_gradebook(course) as gradebook:
        return {student.id for student in gradebook.students
                if gradebook.db.query(SubmittedAssignment).filter(SubmittedAssignment.student_id == student.id).first()}


def remove_students(course: Course, ids) -> None:
    """Take each of ``ids`` off ``course``'s roster; a student with a submission is refused (their grades stay)."""
    keep = students_with_work(course) & set(ids)
    if keep:
        raise ValueError(f"not removing {sorted(keep)}: they have submissions, and their grades stay in the gradebook")
    with open_gradebook(course) as gradebook:
        for student in ids:
            gradebook.remove_student(student)
