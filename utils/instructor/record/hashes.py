"""Which hand-in a GradingRecord was graded from: hashes of files, the same on the instructor's machine and on
every worker (``grading/host/preparation.py`` hashes the grader the same way)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..paths import Course


def files_hash(paths) -> str:
    """A hash of the names and contents of ``paths`` (folders and missing files are skipped)."""
    digest = hashlib.sha256()
    for path in sorted(Path(p) for p in paths):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:20]


def submission_hash(course: Course, student: str, stage: str) -> str:
    return files_hash((course.submitted / student / stage).rglob("*"))
