"""One student's extra time for one stage: nbgrader's ``SubmittedAssignment.extension``, granted, taken back and listed.

    make extension STUDENT=jsmith STAGE=01_vanilla_gradients DAYS=2     # python -m utils.instructor extension ...
    make extensions                                                    # every extension in the gradebook

nbgrader keeps an extension on the student's submission row (``Gradebook.grant_extension``), and its
``SubmittedAssignment.total_seconds_late`` counts from the due date plus the extension, which is what the late
policy (``gradebook/late_policy.py``) is given. A student who has not handed in yet has no row: one is created
for them (``Gradebook.add_submission``, no timestamp, no score), which autograde later fills in, extension
kept (``update_or_create_submission`` only sets the hand-in's timestamp). Such a row is not a hand-in:
``handed_in`` tells them apart, and the grade table reads it as "not submitted".

An extension replaces the student's earlier one for that stage (nbgrader's extensions do not add up); a
graded submission has its late penalty worked out again at once (``late_penalties.reassess``), so
``make grades`` shows the new penalty without grading the notebook again.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from ..paths import Course, stages
from ..prepare.schedule import from_gradebook_time
from .door import submission_of
from .late_penalties import reassess

#: The longest extension accepted, in days: anything longer is taken for a typo.
MAX_DAYS = 365


class ExtensionError(ValueError):
    """An extension that cannot be granted as asked; the message says what to pass instead."""


class UnknownStudent(ExtensionError, LookupError):
    """No student with this id in the gradebook."""


class UnknownStage(ExtensionError, LookupError):
    """No stage of that name in the course."""


class BadDays(ExtensionError):
    """DAYS is not a positive number of days."""


@dataclass(frozen=True)
class Extension:
    """One student's extension for one stage, and what it means: due and deadline are aware UTC datetimes (None:
    the stage has no due date); ``handed_in`` is when the student handed it in (None: not yet)."""

    student: str
    stage: str
    extension: dt.timedelta
    due: dt.datetime | None
    handed_in: dt.datetime | None
    late_penalty: float

    @property
    def days(self) -> float:
        return self.extension.total_seconds() / 86400

    @property
    def deadline(self) -> dt.datetime | None:
        return None if self.due is None else self.due + self.extension


def handed_in(submission) -> bool:
    """Whether nbgrader's ``SubmittedAssignment`` is a hand-in, not a row made only to carry an extension (one has a
    timestamp or a score; an extension's row has neither until autograde fills it in)."""
    if submission.timestamp is not None:
        return True
    return any(grade.auto_score is not None or grade.manual_score is not None
               for notebook in submission.notebooks for grade in notebook.grades)


def parse_days(days) -> float:
    """DAYS as a number of days: positive, finite, at most MAX_DAYS (``2``, ``1.5``, ``"3"``)."""
    try:
        value = float(str(days).strip())
    except ValueError:
        raise BadDays(f"DAYS={days!r} is not a number: give the extra time in days, e.g. DAYS=2 or DAYS=1.5") from None
    if not math.isfinite(value) or value <= 0:
        raise BadDays(f"DAYS={days!r} is not a positive number of days: give the extra time, e.g. DAYS=2 (to take an "
                      "extension back: make extension STUDENT=... STAGE=... REMOVE=1)")
    if value > MAX_DAYS:
        raise BadDays(f"DAYS={days!r} is more than {MAX_DAYS} days, surely a typo: give the extra time in days, "
                      "e.g. DAYS=2")
    return value


def check_stage(stage: str) -> None:
    """UnknownStage unless ``stage`` is one of the course's stages."""
    if stage not in stages():
        raise UnknownStage(f"STAGE={stage!r} is not a stage of the course; the stages are {', '.join(stages())}")


def _check(gradebook, student: str, stage: str) -> None:
    from nbgrader.api import MissingEntry

    check_stage(stage)
    try:
        gradebook.find_student(student)
    except MissingEntry:
        known = sorted(s.id for s in gradebook.students)
        shown = ", ".join(known[:10]) + (" ..." if len(known) > 10 else "")
        raise UnknownStudent(f"STUDENT={student!r} is not in the gradebook "
                             f"({f'its students: {shown}' if known else 'it has no students yet'}); give the "
                             "student id of the roster, or import the class list first: make roster "
                             "ROSTER=students.csv") from None


def _extension(gradebook, submission) -> Extension:
    return Extension(submission.student.id, submission.assignment.name, submission.extension,
                     from_gradebook_time(submission.assignment.duedate),
                     from_gradebook_time(submission.timestamp) if handed_in(submission) else None,
                     float(submission.late_submission_penalty or 0.0))


def grant_extension(student: str, stage: str, days, course: Course = Course(), log=print) -> Extension:
    """Give ``student`` ``days`` more days for ``stage`` (replacing an earlier extension of theirs for it).

    Raises UnknownStage, UnknownStudent or BadDays (ExtensionError; messages say what to pass) and ScheduleError
    when schedule.csv cannot be read. The gradebook gets the stage (and its due date) first if it lacks it."""
    from nbgrader.api import Gradebook, MissingEntry

    from .stage_sources import ensure_gradebook

    value = parse_days(days)
    check_stage(stage)  # both before the gradebook is opened (which creates it where there is none)
    if not course.has_gradebook():
        raise UnknownStudent(f"STUDENT={student!r}: there is no gradebook yet, so no student; import the class list "
                             "first: make roster ROSTER=students.csv")
    with Gradebook(course.db_url) as gradebook:
        _check(gradebook, student, stage)
    ensure_gradebook(course, only=[stage], log=log)
    with Gradebook(course.db_url) as gradebook:
        try:
            submission = gradebook.find_submission(stage, student)
        except MissingEntry:
            submission = submission_of(gradebook, stage, student)
        before = submission.extension
        gradebook.grant_extension(stage, student, days=value)
        reassess(gradebook, submission)
        granted = _extension(gradebook, submission)
    if before is not None:
        log(f"(replaces the earlier extension of {before.total_seconds() / 86400:g} days)")
    return granted


def remove_extension(student: str, stage: str, course: Course = Course()) -> dt.timedelta | None:
    """Take ``student``'s extension for ``stage`` back; returns what it was (None: there was none)."""
    from nbgrader.api import Gradebook, MissingEntry

    check_stage(stage)
    if not course.has_gradebook():
        return None
    with Gradebook(course.db_url) as gradebook:
        _check(gradebook, student, stage)
        try:
            submission = gradebook.find_submission(stage, student)
        except MissingEntry:
            return None
        before = submission.extension
        if before is not None:
            gradebook.grant_extension(stage, student)  # no time given: nbgrader removes the extension
            reassess(gradebook, submission)
        return before


def list_extensions(course: Course = Course()) -> list[Extension]:
    """Every extension in ``course``'s gradebook, by stage (the course's order), then student."""
    from nbgrader.api import Gradebook, SubmittedAssignment

    if not course.has_gradebook():
        return []
    order = {stage: n for n, stage in enumerate(stages())}
    with Gradebook(course.db_url) as gradebook:
        rows = gradebook.db.query(SubmittedAssignment).filter(SubmittedAssignment.extension.isnot(None)).all()
        found = [_extension(gradebook, row) for row in rows]
    return sorted(found, key=lambda e: (order.get(e.stage, len(order)), e.stage, e.student))


def extension_of(gradebook, student: str, stage: str) -> dt.timedelta | None:
    """``student``'s extension for ``stage`` in the open ``gradebook`` (None: none, or no row yet)."""
    from nbgrader.api import MissingEntry

    try:
        return gradebook.find_submission(stage, student).extension
    except MissingEntry:
        return None
