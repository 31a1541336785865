"""Autograde every collected submission, one notebook at a time, with progress."""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from .nbgrader_cli import run_nbgrader
from .paths import Course, stages


@dataclass
class GradingResult:
    student: str
    stage: str
    ok: bool
    seconds: float
    message: str = ""


def ensure_gradebook(course: Course = Course(), log=print) -> None:
    """nbgrader autograde needs each assignment's source cells in the gradebook:
    record them (generate_assignment into a scratch folder) for stages it lacks."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gradebook:
        known = {a.name for a in gradebook.assignments}
    missing = [s for s in stages() if s not in known]
    with tempfile.TemporaryDirectory() as scratch:
        for stage in missing:
            run_nbgrader("generate_assignment", stage, "--force", *course.nbgrader_args(),
                         f"--CourseDirectory.release_directory={scratch}")
            log(f"recorded {stage} in the gradebook")


def submissions(course: Course = Course()) -> list[tuple[str, str]]:
    return sorted((p.parent.parent.name, p.parent.name) for p in course.submitted.glob("*/*/*.ipynb")
                  if p.stem == p.parent.name)


def autograde_all(course: Course = Course(), only_stage: str | None = None, only_student: str | None = None,
                  extra_args: tuple = (), jobs: int = 1, log=print) -> list[GradingResult]:
    """``nbgrader autograde <stage> --student <id> --force`` for every submission.

    One nbgrader process per notebook, so a submission that breaks nbgrader itself
    costs only its own grade, and progress is visible. ``jobs`` processes run at
    once; the gradebook is one SQLite file, so a run that found it busy is retried.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    ensure_gradebook(course, log=log)
    todo = [(s, a) for s, a in submissions(course) if (only_stage in (None, a)) and (only_student in (None, s))]
    started = time.perf_counter()
    results = []

    def grade(item):
        return _grade_one(course, *item, extra_args)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for result in pool.map(grade, todo):
            results.append(result)
            log(f"[{len(results)}/{len(todo)}] {result.student} {result.stage}: "
                f"{'graded' if result.ok else 'FAILED: ' + result.message} "
                f"({result.seconds:.0f} s, {time.perf_counter() - started:.0f} s so far)")
    return results


def _grade_one(course: Course, student: str, stage: str, extra_args: tuple, attempts: int = 3) -> GradingResult:
    t0 = time.perf_counter()
    for _ in range(attempts):
        process = run_nbgrader("autograde", stage, "--student", student, "--force", *course.nbgrader_args(),
                               *extra_args, check=False)
        output = (process.stdout or "") + (process.stderr or "")
        if "database is locked" not in output:
            break
    produced = (course.autograded / student / stage / f"{stage}.ipynb").exists()
    ok = process.returncode == 0 and produced
    return GradingResult(student, stage, ok, time.perf_counter() - t0, "" if ok else _reason(output))


def _reason(log_text: str) -> str:
    for line in log_text.splitlines():
        if "ERROR" in line and ("Error" in line or "error" in line.split("ERROR", 1)[1]):
            return line.split("]", 1)[-1].strip()[:300]
    return "nbgrader could not grade this notebook (see its log)"


