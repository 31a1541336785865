"""Autograde every collected submission: one nbgrader process per notebook, each kernel sandboxed, with progress.

The orchestrator never runs student code. Each notebook is graded by its own
``nbgrader autograde`` process in its own session, whose kernel runs in the
sandbox (``sandbox.py``) and whose test cells are decided by the judge
(``judge/``). A notebook that takes longer than ``notebook_timeout`` is killed with
everything it started and counts as failed; the run goes on. What happened to each
notebook (sandboxed or not, cells that ran out of time, kernel deaths) is kept in
``grading_status.json`` for the grade table.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from .nbgrader_cli import run_nbgrader
from .paths import SOURCE, Course, stages
from .resilient_execute import STATUS_PREFIX

#: Wall-clock limit for one notebook, all retries included (a solution takes 20-40 s).
NOTEBOOK_TIMEOUT = 1200


@dataclass
class GradingResult:
    student: str
    stage: str
    ok: bool
    seconds: float
    message: str = ""
    status: dict = field(default_factory=dict)


def _source_hash(stage: str) -> str:
    return hashlib.sha256((SOURCE / stage / f"{stage}.ipynb").read_bytes()).hexdigest()


def ensure_gradebook(course: Course = Course(), log=print) -> None:
    """nbgrader autograde restores test cells from the gradebook: record each stage's source cells there
    (generate_assignment into a scratch folder) when the gradebook lacks them or the source changed since."""
    from nbgrader.api import Gradebook

    recorded_path = course.root / ".gradebook_sources.json"
    recorded = json.loads(recorded_path.read_text()) if recorded_path.exists() else {}
    with Gradebook(course.db_url) as gradebook:
        known = {a.name for a in gradebook.assignments}
    stale = [s for s in stages() if s not in known or recorded.get(s) != _source_hash(s)]
    with tempfile.TemporaryDirectory() as scratch:
        for stage in stale:
            run_nbgrader("generate_assignment", stage, "--force", *course.nbgrader_args(),
                         f"--CourseDirectory.release_directory={scratch}")
            recorded[stage] = _source_hash(stage)
            log(f"recorded {stage} in the gradebook")
    recorded_path.write_text(json.dumps(recorded, indent=1))


def prepare_expected_values(log=print) -> None:
    """Compute (or find cached) the answer key's values for every stage, here, before any kernel starts."""
    from .judge import expected

    for stage in stages():
        expected.load(f"stage{stage.split('_', 1)[0]}", log=log)


def submissions(course: Course = Course()) -> list[tuple[str, str]]:
    return sorted((p.parent.parent.name, p.parent.name) for p in course.submitted.glob("*/*/*.ipynb")
                  if p.stem == p.parent.name)


def autograde_all(course: Course = Course(), only_stage: str | None = None, only_student: str | None = None,
                  extra_args: tuple = (), jobs: int = 1, sandbox: bool = True,
                  notebook_timeout: float = NOTEBOOK_TIMEOUT, log=print) -> list[GradingResult]:
    """``nbgrader autograde <stage> --student <id> --force`` for every submission, ``jobs`` at once.

    With ``sandbox`` (the default) the sandbox is tried first, and grading refuses
    to start (SandboxUnavailable, saying what to install) where it cannot run.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    if sandbox:
        from .sandbox import check_available

        check_available()
    else:
        log("WARNING: grading WITHOUT a sandbox: submissions can read and change everything this user can. "
            "The grade table marks these grades.")
        extra_args = (*extra_args, "--ResilientExecute.sandbox=False")
    ensure_gradebook(course, log=log)
    prepare_expected_values(log=log)
    todo = [(s, a) for s, a in submissions(course) if (only_stage in (None, a)) and (only_student in (None, s))]
    started = time.perf_counter()
    results = []

    def grade(item):
        return _grade_one(course, *item, extra_args, notebook_timeout)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for result in pool.map(grade, todo):
            results.append(result)
            timed_out = result.status.get("timed_out_cells")
            log(f"[{len(results)}/{len(todo)}] {result.student} {result.stage}: "
                f"{'graded' if result.ok else 'FAILED: ' + result.message}"
                f"{'' if sandbox else ' WITHOUT SANDBOX'}"
                f"{f'; cells {timed_out} ran out of time' if timed_out else ''} "
                f"({result.seconds:.0f} s, {time.perf_counter() - started:.0f} s so far)")
    _save_status(course, results)
    return results


def _grade_one(course: Course, student: str, stage: str, extra_args: tuple, notebook_timeout: float,
               attempts: int = 3) -> GradingResult:
    """Grade one notebook; a run that found the gradebook busy or failed in nbgrader itself (a kernel that
    could not start on a loaded machine) is tried again, up to ``attempts`` times."""
    t0 = time.perf_counter()
    for _ in range(attempts):
        process = run_nbgrader("autograde", stage, "--student", student, "--force", *course.nbgrader_args(),
                               *extra_args, check=False, timeout=notebook_timeout)
        output = (process.stdout or "") + (process.stderr or "")
        if process.returncode in (0, None):
            break
    status = _status_from_log(output)
    produced = (course.autograded / student / stage / f"{stage}.ipynb").exists()
    if process.returncode is None:
        return GradingResult(student, stage, False, time.perf_counter() - t0,
                             f"grading took longer than {notebook_timeout:.0f} s and was stopped", {"timed_out": True})
    ok = process.returncode == 0 and produced
    return GradingResult(student, stage, ok, time.perf_counter() - t0, "" if ok else _reason(output), status)


def _status_from_log(log_text: str) -> dict:
    for line in reversed(log_text.splitlines()):
        if STATUS_PREFIX in line:
            try:
                return json.loads(line.split(STATUS_PREFIX, 1)[1])
            except ValueError:
                break
    return {}


def _save_status(course: Course, results: list[GradingResult]) -> None:
    """Merge this run's outcome per (student, stage) into ``grading_status.json``, atomically."""
    path = course.grading_status
    status = json.loads(path.read_text()) if path.exists() else {}
    for result in results:
        status.setdefault(result.student, {})[result.stage] = {
            "ok": result.ok, "message": result.message, **result.status}
    with tempfile.NamedTemporaryFile("w", dir=course.root, delete=False, suffix=".tmp") as handle:
        json.dump(status, handle, indent=1, sort_keys=True)
    os.replace(handle.name, path)


def load_status(course: Course = Course()) -> dict:
    return json.loads(course.grading_status.read_text()) if course.grading_status.exists() else {}


def _reason(log_text: str) -> str:
    for line in log_text.splitlines():
        if "ERROR" in line and ("Error" in line or "error" in line.split("ERROR", 1)[1]):
            return line.split("]", 1)[-1].strip()[:300]
    return "nbgrader could not grade this notebook (see its log)"

