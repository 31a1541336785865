"""The grader's version: a hash of everything besides the submission that decides a grade of a stage (the
judge, the worker's executor and sandbox, nbgrader's configuration, the stage's source and the expected values'
cache key). The instructor's process puts it in each task; a worker running another version refuses."""

from __future__ import annotations

from pathlib import Path

from ...paths import ROOT, source_notebook
from ...record.hashes import files_hash


def grader_version(stage: str) -> str:
    """A hash of everything that decides a grade of ``stage`` besides the submission."""
    from ...judge.expected import cache_key

    worker = Path(__file__).resolve().parent
    judge = worker.parents[1] / "judge"
    code = [*judge.glob("*.py"), worker / "resilient_execute.py", worker / "sandbox.py", worker / "nbgrader_here.py",
            ROOT / "nbgrader_config.py", source_notebook(stage)]
    return f"{cache_key()}-{files_hash(code)}"
