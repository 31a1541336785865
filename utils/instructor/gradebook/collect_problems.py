"""collect's record of hand-ins it could not read (``collect_problems.json``), per student: written by collect,
read by the grade table (their stage is unknown, so every stage of theirs says so)."""

from __future__ import annotations

import json

from ..paths import Course


def load_collect_problems(course: Course) -> dict[str, list[dict]]:
    """{student: [{"file", "reason"}]} as collect kept it (empty before anything unreadable was collected)."""
    return json.loads(course.collect_problems.read_text()) if course.collect_problems.exists() else {}


def keep_collect_problems(course: Course, problems: dict[str, list[dict]]) -> None:
    """Replace the listed students' entries with ``problems``; the others stay."""
    kept = {**load_collect_problems(course), **problems}
    if kept:
        course.collect_problems.write_text(json.dumps(kept, indent=1, sort_keys=True))
