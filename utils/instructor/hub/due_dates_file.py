"""``DUE_DATES.md`` in each student's home, beside the stages they fetch: each stage's due date, their own
extension and the last moment a hand-in is accepted, written anew whenever their server starts.

The dates are ``schedule.csv``'s and the gradebook's extensions (``intake.schedule.student_schedule``), in UTC.
The file is the instructor's (root's): a student can read it, not change it.
"""

from __future__ import annotations

import datetime as dt
import os

from ..intake.schedule import StageDeadline, student_schedule
from .accounts import Account
from .settings import CourseHub

FILE_NAME = "DUE_DATES.md"


def _when(moment: dt.datetime | None) -> str:
    return f"{moment:%a %d %b %Y %H:%M} UTC" if moment else "no due date"


def _extension(row: StageDeadline) -> str:
    if not row.extension:
        return "none"
    days = row.extension / dt.timedelta(days=1)
    return f"{days:g} day{'s' if days != 1 else ''}"


def due_dates_text(rows: list[StageDeadline]) -> str:
    lines = ["# Due dates", "",
             "Hand in from the Assignments tab (Nbgrader > Assignment List) before your deadline. A late hand-in "
             "loses marks (the course's late policy); after the last accepted moment it is kept but counts 0.", "",
             "| stage | due | your extension | your deadline | last accepted |", "|---|---|---|---|---|"]
    lines += [f"| {row.stage} | {_when(row.due)} | {_extension(row)} | {_when(row.deadline)} | "
              f"{_when(row.last_accepted)} |" for row in rows]
    return "\n".join(lines) + "\n"


def write_due_dates(settings: CourseHub, account: Account) -> None:
    path = account.home / FILE_NAME
    text = due_dates_text(student_schedule(account.name, settings.course))
    path.unlink(missing_ok=True)
    # The student owns the folder: never write through a link they put there (O_NOFOLLOW, O_EXCL).
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(handle, "w") as file:
        file.write(text)
    os.chown(path, 0, account.gid)
