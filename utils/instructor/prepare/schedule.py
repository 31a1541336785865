"""The one place that says when each stage is due: ``schedule.csv`` at the course's root.

    stage,due
    01_vanilla_gradients,2026-10-12 23:59 Europe/Berlin
    02_gradient_x_input,2026-10-19T23:59:00+02:00
    03_integrated_gradients,

One row per stage (any order; a stage without a row, or with an empty ``due``, has no due date, so
nothing of it is ever late). A due date is a date and a time of day with its time zone, written one of
two ways: an IANA zone name after the time (``2026-10-12 23:59 Europe/Berlin``: the zone's offset on
that day, summer time included), or an ISO 8601 offset (``2026-10-12T23:59+02:00``, ``...Z`` for UTC).
A date without a time zone is refused: a deadline of "23:59" is a different moment for a server in UTC
and an instructor in Berlin.

The due dates go into nbgrader's gradebook as ``Assignment.duedate`` (``gradebook/due_dates.py``,
whenever the course prepares its gradebook: ``make release``, ``make autograde``, ``make formgrader``),
in nbgrader's convention, naive UTC. Here they are aware datetimes in UTC.

The late policy (what a late hand-in loses, and the last moment one is accepted) is nbgrader's
late-submission plugin, configured in ``nbgrader_config.py`` (``gradebook/late_policy.py``).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import zoneinfo
from pathlib import Path

from ..paths import Course, stages

COLUMNS = ("stage", "due")
EXAMPLE = "stage,due\n01_vanilla_gradients,2026-10-12 23:59 Europe/Berlin"

_MOMENT = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?P<zone>.*)$")
_OFFSET = re.compile(r"^[+-]\d{2}:?\d{2}$")


class ScheduleError(ValueError):
    """A ``schedule.csv`` (or one of its rows) that cannot be used; the message names the row and the fix."""


def parse_moment(text: str) -> dt.datetime:
    """A date, a time of day and a time zone, as an aware datetime in UTC.

    >>> parse_moment("2026-10-12 23:59 Europe/Berlin").isoformat()
    '2026-10-12T21:59:00+00:00'
    >>> parse_moment("2026-12-01T12:00+01:00").isoformat()
    '2026-12-01T11:00:00+00:00'
    """
    text = text.strip()
    match = _MOMENT.match(text)
    if not match:
        raise ScheduleError(f"{text!r} is not a date and time: write YYYY-MM-DD HH:MM and its time zone, "
                            "e.g. 2026-10-12 23:59 Europe/Berlin or 2026-10-12T23:59+02:00")
    zone = match["zone"].strip()
    if not zone:
        raise ScheduleError(f"{text!r} has no time zone: add one after the time, an IANA name "
                            "(2026-10-12 23:59 Europe/Berlin) or a UTC offset (2026-10-12T23:59+02:00, Z for UTC)")
    zone_info = dt.timezone.utc if zone in ("Z", "UTC") else None
    if zone_info is None and not _OFFSET.match(zone):
        try:
            zone_info = zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ScheduleError(f"{text!r}: unknown time zone {zone!r}; use an IANA name such as Europe/Berlin, "
                                "America/New_York or UTC, or an offset such as +02:00") from None
    try:
        if zone_info is None:
            moment = dt.datetime.fromisoformat(f"{match['date']}T{match['time']}{zone}")
        else:
            moment = dt.datetime.fromisoformat(f"{match['date']}T{match['time']}").replace(tzinfo=zone_info)
    except ValueError as error:
        raise ScheduleError(f"{text!r} is not a valid date and time ({error}): write YYYY-MM-DD HH:MM and its "
                            "time zone, e.g. 2026-10-12 23:59 Europe/Berlin") from None
    return moment.astimezone(dt.timezone.utc)


def read_schedule(path) -> dict[str, dt.datetime | None]:
    """Each stage's due date (aware, UTC; None: no due date) from a ``schedule.csv``, every stage present.

    A missing file means no stage has a due date. Raises ScheduleError naming the file, the row and
    what to write instead, for: a header other than ``stage,due``, a row with more or fewer fields, a
    stage that is not one of the course's, a stage listed twice, a date that cannot be read or has no
    time zone."""
    path = Path(path)
    due: dict[str, dt.datetime | None] = {stage: None for stage in stages()}
    if not path.is_file():
        return due
    seen = {}
    with open(path, newline="", encoding="utf-8-sig") as handle:  # -sig: spreadsheets save a byte-order mark
        rows = list(csv.reader(handle))
    if not rows or [name.strip() for name in rows[0]] != list(COLUMNS):
        found = ",".join(rows[0]) if rows else "nothing"
        raise ScheduleError(f"{path}: the first line must be the header 'stage,due', not {found!r}; for example\n"
                            f"{EXAMPLE}")
    for number, row in enumerate(rows[1:], start=2):
        if not any(field.strip() for field in row):
            continue  # a blank line
        where = f"{path}, line {number}"
        if len(row) != len(COLUMNS):
            raise ScheduleError(f"{where} has {len(row)} field(s), {','.join(row)!r}; each row is a stage and its "
                                "due date (2 fields, the date may be empty), e.g. "
                                "01_vanilla_gradients,2026-10-12 23:59 Europe/Berlin")
        stage, when = (field.strip() for field in row)
        if stage not in due:
            raise ScheduleError(f"{where}: no stage {stage!r} in the course; the stages are {', '.join(stages())}")
        if stage in seen:
            raise ScheduleError(f"{where}: {stage} is listed again (first on line {seen[stage]}); "
                                "keep one row per stage")
        seen[stage] = number
        try:
            due[stage] = parse_moment(when) if when else None
        except ScheduleError as error:
            raise ScheduleError(f"{where} ({stage}): {error}") from None
    return due


def course_schedule(course: Course = Course()) -> dict[str, dt.datetime | None]:
    """The due dates of ``course``: its ``schedule.csv`` (see ``Course.schedule``)."""
    return read_schedule(course.schedule)


def as_gradebook_time(moment: dt.datetime | None) -> dt.datetime | None:
    """An aware datetime as nbgrader stores times: naive, in UTC."""
    return None if moment is None else moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


def from_gradebook_time(moment: dt.datetime | None) -> dt.datetime | None:
    """A time from nbgrader's gradebook (naive UTC) as an aware datetime in UTC."""
    return None if moment is None else moment.replace(tzinfo=dt.timezone.utc)
