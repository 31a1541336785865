"""Autograde every collected submission, one notebook at a time, with progress."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .nbgrader_cli import run_nbgrader
from .paths import AUTOGRADED, GRADEBOOK, ROOT, SUBMITTED, stages


@dataclass
class GradingResult:
    student: str
    stage: str
    ok: bool
    seconds: float
    message: str = ""


def ensure_gradebook(db_url: str | None = None, log=print) -> None:
    """nbgrader autograde needs each assignment's source cells in the gradebook:
    record them (generate_assignment into a scratch folder) for stages it lacks."""
    from nbgrader.api import Gradebook

    url = db_url or f"sqlite:///{GRADEBOOK}"
    with Gradebook(url) as gradebook:
        known = {a.name for a in gradebook.assignments}
    missing = [s for s in stages() if s not in known]
    with tempfile.TemporaryDirectory() as scratch:
        for stage in missing:
            run_nbgrader("generate_assignment", stage, "--force", f"--CourseDirectory.release_directory={scratch}",
                         f"--CourseDirectory.db_url={url}")
            log(f"recorded {stage} in the gradebook")


def submissions(submitted_dir: Path = SUBMITTED) -> list[tuple[str, str]]:
    return sorted((p.parent.parent.name, p.parent.name) for p in submitted_dir.glob("*/*/*.ipynb")
                  if p.stem == p.parent.name)


def autograde_all(only_stage: str | None = None, only_student: str | None = None, log=print) -> list[GradingResult]:
    """``nbgrader autograde <stage> --student <id> --force`` for every submission.

    One nbgrader run per notebook: a submission that breaks nbgrader itself costs
    only its own grade, and progress is visible. Runs are sequential because the
    gradebook is a single SQLite file that nbgrader does not lock for concurrent writers.
    """
    ensure_gradebook(log=log)
    todo = [(s, a) for s, a in submissions() if (only_stage in (None, a)) and (only_student in (None, s))]
    results = []
    started = time.perf_counter()
    for number, (student, stage) in enumerate(todo, 1):
        t0 = time.perf_counter()
        process = run_nbgrader("autograde", stage, "--student", student, "--force", check=False)
        produced = (AUTOGRADED / student / stage / f"{stage}.ipynb").exists()
        ok = process.returncode == 0 and produced
        message = "" if ok else _reason((process.stdout or "") + (process.stderr or ""))
        results.append(GradingResult(student, stage, ok, time.perf_counter() - t0, message))
        log(f"[{number}/{len(todo)}] {student} {stage}: {'graded' if ok else 'FAILED: ' + message} "
            f"({results[-1].seconds:.0f} s, {time.perf_counter() - started:.0f} s so far)")
    return results


def _reason(log_text: str) -> str:
    for line in log_text.splitlines():
        if "ERROR" in line and ("Error" in line or "error" in line.split("ERROR", 1)[1]):
            return line.split("]", 1)[-1].strip()[:300]
    return "nbgrader could not grade this notebook (see its log)"


__all__ = ["GradingResult", "autograde_all", "ensure_gradebook", "submissions", "ROOT"]
