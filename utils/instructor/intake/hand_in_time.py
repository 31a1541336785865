"""When a collected hand-in was handed in: the time collect writes to ``submitted/<student>/<stage>/timestamp.txt``.

nbgrader's autograde reads that file into the gradebook (``SubmittedAssignment.timestamp``), and the late
policy counts from it, so it must be the hand-in's time, not the time of the download or of the copy:

* nbgrader's exchange and nbgrader ``zip_collect`` attempt names carry the time: written as it is (UTC);
* a folder or zip per student: the file's modification time (or the time stored in the zip), this machine's
  local time converted to UTC;
* **Canvas** and **Moodle** downloads carry no time at all: their files' times are those of the download.
  What Canvas does say is whether a hand-in came after the due date (``late_`` in its name). Such a hand-in is
  dated one second after the stage's due date (``schedule.csv``), the least lateness the mark says: the first
  started day's penalty, none for a student whose extension covers it; and a note beside it
  (``timestamp_note.txt``, shown in the grade table) says so, and how to give the real time (SpeedGrader
  shows it). Any other Canvas or Moodle hand-in is dated at the due date: on time, as the LMS has it (Moodle
  marks no lateness in its download; its grading table shows each hand-in's time).

Where the stage has no due date nothing is late, and the file's time is kept.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .lms_names import CANVAS, MOODLE
from ..paths import Course

#: The note beside timestamp.txt when the time written there is not the hand-in's own.
NOTE_FILE = "timestamp_note.txt"
#: How nbgrader's exchange writes timestamp.txt (parsed back by nbgrader's ``parse_utc``).
FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"


def hand_in_time(candidate, due: dt.datetime | None) -> tuple[dt.datetime, str]:
    """(the hand-in's time, aware UTC; a note for the instructor, '' when the time is the hand-in's own).

    ``candidate``: collect's Candidate (``timestamp``, ``basis``, ``lms``); ``due``: the stage's due date."""
    lms = candidate.lms
    if lms is not None and lms.lms in (CANVAS, MOODLE):
        if lms.late and due is None:
            return _own_time(candidate), ("Canvas marked it late (late_ in its name), but schedule.csv gives the "
                                          "stage no due date, so nothing of it is late here")
        if lms.late:
            return due + dt.timedelta(seconds=1), (
                "Canvas marked it late (late_ in its name) and its download carries no time: dated 1 s after the "
                "due date, the least its mark says. If it came later, write the time Canvas shows (SpeedGrader) "
                "into timestamp.txt as YYYY-MM-DD HH:MM:SS UTC and run make autograde")
        if due is not None:
            return due, ""
    return _own_time(candidate), ""


def _own_time(candidate) -> dt.datetime:
    if candidate.basis in ("mtime", "zip"):  # this machine's local time, naive
        return candidate.timestamp.astimezone(dt.timezone.utc)
    moment = candidate.timestamp
    return moment.astimezone(dt.timezone.utc) if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def time_note(course: Course, student: str, stage: str) -> str:
    """The note collect left beside ``student``'s hand-in of ``stage`` ('' when there is none)."""
    path = course.submitted / student / stage / NOTE_FILE
    return path.read_text().strip() if path.exists() else ""
