"""The grade table: each student's points per stage, what happened to each notebook, and whether the total is final.

Written answers (markdown cells graded by hand in formgrader) are part of every
stage's points; until someone grades them, a stage's score is its automatic
points only, and the table says so instead of showing a silent 0.

``grades.csv`` (``make grades``), one row per student, then a ``(max)`` row::

    student_id,01_vanilla_gradients,01_vanilla_gradients status,01_vanilla_gradients days late,01_vanilla_gradients late penalty,...,total,total final,pending manual points
    alice,4.0,pending manual grading: 2 points of written answers not graded by hand yet,0,0,...,4.0,no,2.0
    bob,4.5,late: 1 day 2 h after the deadline (...): 0.5 points off (late penalty),1.08,0.5,...,4.5,yes,0.0
    carol,0.0,not submitted,,,...,0.0,yes,0.0
    (max),6.0,"6 points: 4 automatic, 2 written (graded by hand)",due 2026-10-12 21:59 UTC,10 % of the score per ...,82.0,,19.0

A stage's points are the points that count: its score less the late penalty (nbgrader's
``late_submission_penalty``, set by the late policy, ``gradebook/late_policy.py``). ``<stage> days late`` is how long
after the student's deadline (the due date in ``schedule.csv`` plus their extension) it was handed in, in days
(0: on time; empty: no hand-in time in the gradebook, e.g. nothing handed in), ``<stage> late penalty`` the points the policy took off. The ``(max)``
row holds the stage's due date and the policy in words there.

A stage's status is one of, or ``graded`` with ``; ``-joined notes:

- ``graded``: every point of the stage is decided;
- ``pending manual grading: N points of written answers not graded by hand yet``;
- ``not submitted``; ``submitted, not autograded yet (run make autograde)``;
- ``could not be graded: <reason>``; ``timed out: <reason>`` (the whole notebook was stopped);
- notes: ``graded WITHOUT sandbox``, ``cells [...] ran out of time (0 points)``, ``the kernel died N time(s)``,
  ``N points graded by hand before the latest autograde (formgrader marks them for review)``,
  ``late: <how long> after the deadline (...): N points off (late penalty)``, or, for a hand-in after the
  last accepted moment, ``handed in after the last accepted moment: <how long> after the deadline (...): kept
  and graded (N points), counts 0 by the late policy, to count it grant an extension (make extension ...)``.

``total final`` is ``yes`` when no stage is pending, waiting for autograding or failed to grade;
a stage that was not submitted counts as a final 0.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from ..gradebook.collect_problems import load_collect_problems
from ..gradebook.extensions import handed_in
from ..gradebook.grading_status import load_status
from ..gradebook.late_penalties import reassess
from ..gradebook.late_policy import course_late_policy, late_policy
from ..record.hashes import submission_hash
from ..intake.hand_in_time import time_note
from ..paths import Course, stages
from ..prepare.schedule import from_gradebook_time
from ..record.stage_grade import StageGrade, points as _points
from ..record.grading_record import GradingRecord
from ..record.state import State

#: The states by their old names (what other modules and the tests import).
GRADED, NOT_SUBMITTED, NOT_AUTOGRADED = State.GRADED, State.NOT_SUBMITTED, State.SUBMITTED
PENDING, COULD_NOT, TIMED_OUT, UNREADABLE = State.PENDING_MANUAL, State.COULD_NOT_GRADE, State.TIMED_OUT, State.UNREADABLE
LATE = "late"
PAST_LAST_ACCEPTED = "handed in after the last accepted moment"


@dataclass
class StudentGrades:
    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_user_id: str = ""
    stages: dict = field(default_factory=dict)  # stage -> StageGrade

    @property
    def total(self) -> float:
        return round(sum(g.score for g in self.stages.values()), 2)

    @property
    def final(self) -> bool:
        return all(g.final for g in self.stages.values())

    @property
    def pending_points(self) -> float:
        return sum(g.pending_points for g in self.stages.values())

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part) or self.id


@dataclass
class ClassGrades:
    """Everything an export needs: the stages with their maximum and hand-graded points, and every student."""

    stages: list
    max_score: dict      # stage -> points
    manual_points: dict  # stage -> points graded by hand (written answers)
    students: list       # StudentGrades, sorted by id
    due: dict = field(default_factory=dict)  # stage -> due date (aware UTC) as the gradebook has it, or None
    #: {student: {stage: GradingRecord}} as grading_status.json has them (read once, for the class report too).
    records: dict = field(default_factory=dict)


def stage_grade(record: GradingRecord | None, score: float = 0.0, pending_points: float = 0.0,
                submitted: str | None = None, review_points: float = 0.0, changed_since: bool = False,
                unreadable: list | None = None, **lateness) -> StageGrade:
    """What happened to one notebook, typed.

    ``record`` is its GradingRecord (None when the autograder never saw it); ``submitted`` is ``"gradebook"``
    when the gradebook holds a graded submission, ``"folder"`` when there is only a hand-in in submitted/,
    None when there is neither; ``pending_points`` are written answers no one has graded yet,
    ``review_points`` hand grades nbgrader marked for review, and ``changed_since`` says the hand-in in
    submitted/ is not the one that was graded; ``unreadable`` lists the student's files collect could not
    read (``{"file", "reason"}``; which stage they were meant for is unknown); ``lateness``: StageGrade's
    timestamp and late fields.

    >>> stage_grade(None).status
    'not submitted'
    >>> stage_grade(None, unreadable=[{"file": "a.ipynb", "reason": "not JSON"}]).status
    'not submitted, but a file that could not be read was handed in: a.ipynb (not JSON)'
    """
    if record is not None and not record.ok:
        return StageGrade(score, record.state, reason=record.message, **lateness)
    if record is None and submitted is None:
        if unreadable:
            return StageGrade(score, State.UNREADABLE, unreadable=tuple((p["file"], p["reason"]) for p in unreadable),
                              **lateness)
        return StageGrade(score, State.NOT_SUBMITTED, **lateness)
    if (record is None and submitted == "folder") or changed_since:
        return StageGrade(score, State.SUBMITTED, changed_since=changed_since, **lateness)
    report = record.report if record is not None else None
    notes = dict(sandbox=report.sandbox, timed_out_cells=report.timed_out_cells,
                 kernel_deaths=report.kernel_deaths) if report is not None else {}
    state = State.PENDING_MANUAL if pending_points else State.GRADED
    return StageGrade(score, state, pending_points if pending_points else 0.0, review_points=review_points,
                      **notes, **lateness)


def duration(seconds: float) -> str:
    """``2 days 3 h 5 min`` (to the minute; under a minute in seconds).

    >>> duration(93900), duration(59), duration(86400)
    ('1 day 2 h 5 min', '59 s', '1 day')
    """
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = int(seconds // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days} day{'s' if days != 1 else ''}" if days else "", f"{hours} h" if hours else "",
             f"{minutes} min" if minutes else ""]
    return " ".join(part for part in parts if part)


def late_note(seconds: float, penalty: float, due: datetime, extension: timedelta | None, past: bool,
              note: str = "", student: str = "", stage: str = "") -> str:
    """The grade table's note on a late hand-in (see the module's docstring); ``due`` is aware UTC, ``note`` what
    collect said about the hand-in's time (a Canvas late_ mark), ``student`` and ``stage`` name the fix."""
    deadline = f"due {due:%Y-%m-%d %H:%M} UTC"
    if extension:
        deadline += f" + extension of {extension.total_seconds() / 86400:g} days"
    when = f"{duration(seconds)} after the deadline ({deadline}{', ' + note.rstrip('.') if note else ''})"
    if past:
        return (f"{PAST_LAST_ACCEPTED}: {when}: kept and graded ({_points(penalty)}), counts 0 by the late policy, "
                f"to count it grant an extension (make extension STUDENT={student} STAGE={stage} DAYS=...)")
    return f"{LATE}: {when}: {_points(penalty)} off (late penalty)"


def manual_points(gradebook, assignment: str) -> float:
    """Points of ``assignment`` graded by hand: grade cells that are also solution cells (written or coded
    answers) and task cells. Autograded test cells are grade cells without a solution cell of that name."""
    total = 0.0
    for notebook in gradebook.find_assignment(assignment).notebooks:
        answers = {cell.name for cell in notebook.solution_cells}
        total += sum(cell.max_score for cell in notebook.grade_cells if cell.name in answers)
        total += sum(cell.max_score for cell in notebook.task_cells)
    return total


def _hand_grading(gradebook) -> tuple[dict, dict]:
    """Per (student, assignment): points no one has graded yet, and hand-graded points nbgrader wants reviewed.

    A grade is pending when it has no manual score and either no automatic one (an answer nbgrader cannot
    score) or nbgrader's ``needs_manual_grade`` flag. An unchanged answer cell gets an automatic 0 and is
    not pending; a manual score entered in formgrader (or with ``grade.manual_score = ...``) settles it.
    """
    from nbgrader.api import Grade
    from sqlalchemy import or_

    pending, review = {}, {}
    flagged = gradebook.db.query(Grade).filter(or_(Grade.needs_manual_grade, Grade.auto_score.is_(None)))
    for grade in flagged:
        key = (grade.notebook.assignment.student.id, grade.notebook.assignment.assignment.name)
        if grade.manual_score is None:
            pending[key] = pending.get(key, 0.0) + grade.max_score
        elif grade.needs_manual_grade:
            review[key] = review.get(key, 0.0) + grade.max_score
    return pending, review


def class_grades(course: Course = Course(), gradebook=None) -> ClassGrades:
    """Read the gradebook (``course``'s, or the open ``gradebook``) and ``grading_status.json`` into ClassGrades."""
    if gradebook is None:
        from ..gradebook.door import open_gradebook

        with open_gradebook(course) as opened:
            return class_grades(course, opened)
    from nbgrader.api import MissingEntry

    status = load_status(course)
    unreadable = load_collect_problems(course)
    policy, course_policy = late_policy(), course_late_policy()
    known = {a.name for a in gradebook.assignments}
    names = [s for s in stages() if s in known] + sorted(known - set(stages()))
    pending, review = _hand_grading(gradebook)
    result = ClassGrades(names, {s: gradebook.find_assignment(s).max_score for s in names},
                         {s: manual_points(gradebook, s) for s in names}, [],
                         {s: from_gradebook_time(gradebook.find_assignment(s).duedate) for s in names}, status)
    for student in sorted(gradebook.students, key=lambda s: s.id):
        row = StudentGrades(student.id, student.first_name or "", student.last_name or "", student.email or "",
                            student.lms_user_id or "")
        for stage in names:
            record = status.get(student.id, {}).get(stage)
            folder = course.submitted / student.id / stage
            late, penalty, past = 0.0, 0.0, False
            try:
                submission = gradebook.find_submission(stage, student.id)
                if not handed_in(submission):  # a row that only carries an extension (make extension)
                    raise MissingEntry(f"{student.id} has not handed in {stage}")
                # The penalty is a share of the score: hand grades since autograde change it.
                reassess(gradebook, submission, policy)
                late, penalty = submission.total_seconds_late, round(submission.late_submission_penalty or 0.0, 2)
                past = bool(late and course_policy and course_policy.past_last_accepted(late))
                score = round(submission.score - penalty, 2)
                timestamp, submitted = submission.timestamp, "gradebook"
            except MissingEntry:
                score, timestamp = 0.0, None
                submitted = "folder" if folder.is_dir() else None
            changed = bool(record and record.ok and record.submission and folder.is_dir()
                           and record.submission != submission_hash(course, student.id, stage))
            key = (student.id, stage)
            waiting = pending.get(key, 0.0) if submitted == "gradebook" else 0.0
            note = ""
            if late and submitted == "gradebook":
                note = late_note(late, penalty, from_gradebook_time(submission.assignment.duedate),
                                 submission.extension, past, time_note(course, student.id, stage), student.id, stage)
            row.stages[stage] = stage_grade(record, score, waiting, submitted, review.get(key, 0.0), changed,
                                            unreadable.get(student.id), timestamp=timestamp, late_seconds=late,
                                            late_penalty=penalty, past_last_accepted=past, late_note=note,
                                            max_score=result.max_score[stage])
        result.students.append(row)
    return result


def grade_table(course: Course = Course(), gradebook=None) -> list[dict]:
    """The rows of ``grades.csv`` (see the module's docstring), the ``(max)`` row last."""
    return table_rows(class_grades(course, gradebook))


def table_rows(grades: ClassGrades) -> list[dict]:
    """The rows of ``grades.csv`` for ``grades``, the ``(max)`` row last."""
    rows = []
    for student in grades.students:
        row = {"student_id": student.id}
        for stage in grades.stages:
            grade = student.stages[stage]
            row[stage] = grade.score
            row[f"{stage} status"] = grade.status
            known = grade.timestamp is not None  # the hand-in's time is in the gradebook
            row[f"{stage} days late"] = grade.days_late if known else ""
            row[f"{stage} late penalty"] = grade.late_penalty if known else ""
        row["total"] = student.total
        row["total final"] = "yes" if student.final else "no"
        row["pending manual points"] = student.pending_points
        rows.append(row)
    maximum = {"student_id": "(max)"}
    policy = late_policy()
    described = policy.describe() if hasattr(policy, "describe") else f"nbgrader's {type(policy).__name__}"
    for stage in grades.stages:
        top, by_hand = grades.max_score[stage], grades.manual_points[stage]
        maximum[stage] = top
        maximum[f"{stage} status"] = (f"{_points(top)}: {top - by_hand:g} automatic, {by_hand:g} written "
                                      "(graded by hand)" if by_hand else f"{_points(top)}, all automatic")
        due = grades.due.get(stage)
        maximum[f"{stage} days late"] = f"due {due:%Y-%m-%d %H:%M} UTC" if due else "no due date"
        maximum[f"{stage} late penalty"] = described
    maximum["total"] = sum(grades.max_score.values())
    maximum["total final"] = ""
    maximum["pending manual points"] = sum(grades.manual_points.values())
    return rows + [maximum]


def export_grades(course: Course = Course(), path: Path | None = None, log=print, gradebook=None) -> Path:
    """Write ``grades.csv`` (or ``path``) and say what still needs a look."""
    path = Path(path) if path else course.grades_csv
    grades = class_grades(course, gradebook)
    rows = table_rows(grades)
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[-1]))
        writer.writeheader()
        writer.writerows(rows)
    log(f"wrote {path} ({len(rows) - 1} students{summary(grades)})")
    return path


def summary(grades: ClassGrades) -> str:
    """``; 3 notebooks need a look ...; 12 points of written answers to grade by hand (5 totals not final)``."""
    flagged = sum(1 for student in grades.students for grade in student.stages.values() if grade.needs_a_look)
    waiting = sum(student.pending_points for student in grades.students)
    open_totals = sum(1 for student in grades.students if not student.final)
    text = f"; {flagged} notebooks need a look: see the status columns" if flagged else ""
    if waiting:
        text += (f"; {waiting:g} points of written answers to grade by hand in formgrader "
                 f"({open_totals} totals not final)")
    elif open_totals:
        text += f"; {open_totals} totals not final"
    return text
