"""Before the first notebook is graded: what grading needs in place, and what decides a grade.

* the gradebook knows every stage's test cells (nbgrader restores test cells from it) and its due date
  (``schedule.csv``; nbgrader's late penalty reads it there);
* the answer key's values for every hidden test are computed here, before any
  student's kernel starts (``judge/expected.py`` caches them);
* ``grader_version`` hashes everything besides the submission that decides a grade,
  so that a notebook graded from the same files by the same grader is not graded again.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

from .nbgrader_here import generate_assignment_here
from ..paths import ROOT, Course, source_notebook, stages


def _source_hash(stage: str) -> str:
    return hashlib.sha256(source_notebook(stage).read_bytes()).hexdigest()


def _files_hash(paths) -> str:
    digest = hashlib.sha256()
    for path in sorted(Path(p) for p in paths):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:20]


def grader_version(stage: str) -> str:
    """A hash of everything that decides a grade of ``stage`` besides the submission."""
    from ..judge.expected import cache_key

    here = Path(__file__).resolve().parent
    code = [*here.parent.joinpath("judge").glob("*.py"), here / "resilient_execute.py", here / "sandbox.py",
            here / "nbgrader_here.py", ROOT / "nbgrader_config.py", source_notebook(stage)]
    return f"{cache_key()}-{_files_hash(code)}"


def submission_hash(course: Course, student: str, stage: str) -> str:
    return _files_hash((course.submitted / student / stage).rglob("*"))


def up_to_date(course: Course, student: str, stage: str, status: dict, grader: str) -> bool:
    """Graded before, successfully, from these very files by this very grader, and the graded notebook is there."""
    entry = status.get(student, {}).get(stage, {})
    return bool(entry.get("ok") and entry.get("submission") == submission_hash(course, student, stage)
                and entry.get("grader") == grader
                and (course.autograded / student / stage / f"{stage}.ipynb").exists())


def ensure_gradebook(course: Course = Course(), only: list | None = None, log=print) -> None:
    """nbgrader autograde restores test cells from the gradebook: record each stage's source cells there
    (generate_assignment into a scratch folder) when the gradebook lacks them or the source changed since;
    then each stage's due date from schedule.csv (ScheduleError, naming the row to fix, when it cannot be read).
    ``only``: these stages (default: all)."""
    from nbgrader.api import Gradebook

    from ..gradebook.due_dates import record_due_dates

    recorded_path = course.root / ".gradebook_sources.json"
    recorded = json.loads(recorded_path.read_text()) if recorded_path.exists() else {}
    with Gradebook(course.db_url) as gradebook:
        known = {a.name for a in gradebook.assignments}
    stale = [s for s in (only or stages()) if s not in known or recorded.get(s) != _source_hash(s)]
    with tempfile.TemporaryDirectory() as scratch:
        for stage in stale:
            generate_assignment_here(course, stage, scratch)
            recorded[stage] = _source_hash(stage)
            log(f"recorded {stage} in the gradebook")
    recorded_path.write_text(json.dumps(recorded, indent=1))
    record_due_dates(course, log=log)


def prepare_expected_values(log=print) -> None:
    """Compute (or find cached) the answer key's values for every stage, here, before any kernel starts."""
    from ..judge import expected

    for stage in stages():
        expected.load(stage, log=log)
