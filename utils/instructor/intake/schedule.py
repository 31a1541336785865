"""Each student's own schedule: per stage, the due date, their extension, their deadline and the last accepted moment.

What a student is shown where they fetch a stage (the hub calls ``student_schedule``), and what collect dates a
Canvas or Moodle hand-in by (their downloads carry no time). Read from the one place for each part:

    due            schedule.csv (``prepare/schedule.py``)
    extension      the gradebook (``make extension``; nbgrader's ``SubmittedAssignment.extension``)
    deadline       due + extension: a hand-in later than this is late (nbgrader's ``total_seconds_late``)
    last_accepted  deadline + the late policy's ``accepted_days_late`` (``gradebook/late_policy.py``): a hand-in
                   later than this is kept and graded but counts 0 points, and is flagged for the instructor

All times are aware datetimes in UTC (show them in the student's zone with ``.astimezone(zone)``); None where
the stage has no due date (nothing of it is late) or the policy has no last accepted moment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..gradebook.extensions import UnknownStudent
from ..paths import Course, stages
from ..prepare.schedule import course_schedule

__all__ = ["StageDeadline", "UnknownStudent", "course_deadlines", "stage_deadline", "student_schedule"]

@dataclass(frozen=True)
class StageDeadline:
    """One stage for one student (see the module's docstring)."""

    stage: str
    due: dt.datetime | None
    extension: dt.timedelta | None
    deadline: dt.datetime | None
    last_accepted: dt.datetime | None


def stage_deadline(stage: str, due: dt.datetime | None, extension: dt.timedelta | None, policy=None
                   ) -> StageDeadline:
    """``stage``'s deadline for a student with ``extension``, under ``policy`` (a ``CourseLatePolicy``; None:
    no last accepted moment)."""
    deadline = None if due is None else due + (extension or dt.timedelta(0))
    last = policy.last_accepted(deadline) if policy is not None else None
    return StageDeadline(stage, due, extension, deadline, last)


def student_schedule(student_id: str, course: Course = Course()) -> list[StageDeadline]:
    """Every stage's StageDeadline for ``student_id``, in the course's order.

    The due dates come from ``course``'s schedule.csv, the extensions from its gradebook (a course without a
    gradebook yet has no extensions). Raises UnknownStudent when the gradebook exists and does not know the
    student, and ScheduleError (naming the row to fix) when schedule.csv cannot be read."""
    from ..gradebook.late_policy import course_late_policy
    from ..gradebook.students import extensions_of

    due = course_schedule(course)
    extensions = extensions_of(course, student_id)
    if extensions is None:
        raise UnknownStudent(f"no student {student_id!r} in the gradebook: students come from the roster "
                             "(make roster ROSTER=students.csv)")
    policy = course_late_policy()
    return [stage_deadline(stage, due[stage], extensions.get(stage), policy) for stage in stages()]


def course_deadlines(course: Course = Course()) -> list[StageDeadline]:
    """Every stage's StageDeadline for a student without extensions."""
    from ..gradebook.late_policy import course_late_policy

    due, policy = course_schedule(course), course_late_policy()
    return [stage_deadline(stage, due[stage], None, policy) for stage in stages()]
