"""``schedule.csv``'s due dates written into nbgrader's gradebook, where nbgrader reads them (``Assignment.duedate``).

Called wherever the course prepares its gradebook (``gradebook/stage_sources.ensure_gradebook``, so ``make autograde``
and ``make formgrader``; and ``make release``), so the gradebook always holds the schedule's dates: nbgrader's
``SubmittedAssignment.total_seconds_late`` (the time after due date plus extension) and the formgrader read them
there. A stage whose due date changed has the late penalties of its graded submissions worked out again at once
(``late_penalties.reassess``): no notebook is graded again for a new date.
"""

from __future__ import annotations

from ..prepare.schedule import as_gradebook_time, course_schedule
from ..paths import Course
from .late_penalties import reassess


def apply_schedule(gradebook, schedule: dict, log=print) -> list[str]:
    """Set each stage's ``Assignment.duedate`` in the open ``gradebook`` from ``schedule`` ({stage: aware datetime or
    None}, ``prepare/schedule.read_schedule``); stages not in the gradebook yet are left for later. Returns the
    stages whose due date changed."""
    from nbgrader.api import MissingEntry

    from .late_policy import late_policy

    policy = late_policy()
    changed = []
    for stage, due in schedule.items():
        try:
            assignment = gradebook.find_assignment(stage)
        except MissingEntry:
            continue
        wanted = as_gradebook_time(due)
        if assignment.duedate == wanted:
            continue
        assignment.duedate = wanted
        gradebook.db.commit()
        changed.append(stage)
        log(f"{stage}: due {'no date' if due is None else f'{due:%Y-%m-%d %H:%M} UTC'} in the gradebook")
        for submission in assignment.submissions:
            reassess(gradebook, submission, policy)
    return changed


def record_due_dates(course: Course = Course(), db_url: str | None = None, log=print) -> list[str]:
    """``apply_schedule`` with ``course``'s schedule on its gradebook (or the one at ``db_url``). Raises
    ScheduleError (naming the row to fix) before touching the gradebook when schedule.csv cannot be read."""
    from nbgrader.api import Gradebook

    schedule = course_schedule(course)
    with Gradebook(db_url or course.db_url) as gradebook:
        return apply_schedule(gradebook, schedule, log=log)
