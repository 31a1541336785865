"""The stages' sources in the gradebook: nbgrader autograde restores test cells from it, so each stage's source
cells are recorded there (nbgrader's ``generate_assignment``, in this process, into a scratch release folder)
when the gradebook lacks them or the source changed since; then each stage's due date from schedule.csv.

``.gradebook_sources.json`` keeps the hash of each stage's source as last recorded (written here only).
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from pathlib import Path

from traitlets.config import Config

from ..nbgrader_settings import configured
from ..paths import Course, source_notebook, stages
from .due_dates import record_due_dates
from .door import open_gradebook

LOG = logging.getLogger("xai_course.gradebook")


def _source_hash(stage: str) -> str:
    return hashlib.sha256(source_notebook(stage).read_bytes()).hexdigest()


def generate_assignment_here(course: Course, stage: str, release_directory: str | Path) -> None:
    """``nbgrader generate_assignment <stage> --force`` in this process, releasing into ``release_directory``:
    records the stage's cells in ``course``'s gradebook (what autograde restores test cells from)."""
    from nbgrader.converters import GenerateAssignment

    config, coursedir = configured(course, stage, ".", Config(
        {"CourseDirectory": {"release_directory": str(release_directory)}}))
    converter = GenerateAssignment(coursedir=coursedir, config=config, log=LOG)
    converter.force = True
    converter.start()


def ensure_gradebook(course: Course = Course(), only: list | None = None, log=print) -> None:
    """Record each stage's source cells in the gradebook where it lacks them or the source changed, then the due
    dates (ScheduleError, naming the row to fix, when schedule.csv cannot be read). ``only``: these stages
    (default: all)."""
    recorded_path = course.root / ".gradebook_sources.json"
    recorded = json.loads(recorded_path.read_text()) if recorded_path.exists() else {}
    with open_gradebook(course) as gradebook:
        known = {a.name for a in gradebook.assignments}
    stale = [s for s in (only or stages()) if s not in known or recorded.get(s) != _source_hash(s)]
    with tempfile.TemporaryDirectory() as scratch:
        for stage in stale:
            generate_assignment_here(course, stage, scratch)
            recorded[stage] = _source_hash(stage)
            log(f"recorded {stage} in the gradebook")
    recorded_path.write_text(json.dumps(recorded, indent=1))
    record_due_dates(course, log=log)
