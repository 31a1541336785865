"""``grading_status.json``: the GradingRecord of every notebook the autograder saw, read and written here only.

    {"version": 2, "records": {"<student>": {"<stage>": GradingRecord.to_json()}}}

A file without a version (written before the record was typed: ``{"<student>": {"<stage>": {"ok": ...}}}``)
is read through ``GradingRecord.from_version_1``, the one migration; the next autograde writes it as version 2
(reading never writes: ``make grades`` and ``make report`` leave the file as they found it). Writes replace
the file atomically (a reader never sees half of it).
"""

from __future__ import annotations

import json
import os
import tempfile

from ..paths import Course
from ..record.grading_record import VERSION, GradingRecord


class UnknownStatusVersion(ValueError):
    """grading_status.json was written by a newer course: update the course's code (git pull) before grading."""


def load_status(course: Course = Course()) -> dict[str, dict[str, GradingRecord]]:
    """{student: {stage: GradingRecord}} of ``course`` (empty before the first autograde)."""
    path = course.grading_status
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    version = data.get("version", 1) if isinstance(data.get("version", 1), int) else 1
    if version == 1:
        return {student: {stage: GradingRecord.from_version_1(student, stage, entry) for stage, entry in stages.items()}
                for student, stages in data.items()}
    if version != VERSION:
        raise UnknownStatusVersion(f"{path} has version {version}; this course reads version {VERSION}: "
                                   "update the course's code (git pull) before grading")
    return {student: {stage: GradingRecord.from_json(student, stage, entry) for stage, entry in stages.items()}
            for student, stages in data["records"].items()}


def save_status(course: Course, records: list[GradingRecord]) -> None:
    """Merge ``records`` into ``grading_status.json`` (one per student and stage, the latest kept)."""
    kept = load_status(course)
    for record in records:
        kept.setdefault(record.student, {})[record.stage] = record
    _write(course, kept)


def _write(course: Course, records: dict) -> None:
    data = {"version": VERSION, "records": {student: {stage: record.to_json() for stage, record in stages.items()}
                                            for student, stages in records.items()}}
    with tempfile.NamedTemporaryFile("w", dir=course.root, delete=False, suffix=".tmp") as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
    os.replace(handle.name, course.grading_status)
