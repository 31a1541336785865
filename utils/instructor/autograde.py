"""Autograde every collected submission on a Dask cluster (local by default), each kernel sandboxed.

The orchestrator never runs student code. Each notebook becomes a task
(``grading_task.py``) that a Dask worker grades with its own ``nbgrader autograde``
process, whose kernel runs in the sandbox (``sandbox.py``) and whose test cells
are decided by the judge (``judge/``). A notebook that takes longer than
``notebook_timeout`` is killed with everything it started and counts as failed;
the run goes on. Graded notebooks come back here, where one writer
(``record_graded.py``) puts them in the gradebook and autograded/. What happened to
each notebook (sandboxed or not, cells that ran out of time, kernel deaths, the
worker) is kept in ``grading_status.json`` for the grade table.

Resumable: a graded notebook replaces ``autograded/<student>/<stage>`` only once it
is complete, and the status is saved after every notebook. A later run skips
every notebook already graded from the same submission by the same grader (hashes
of the submitted files, and of the stage's source notebook, cases, answer key,
judge and configuration), so an interrupted run loses nothing and a re-run grades
only what is new or changed; ``force`` grades everything again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .nbgrader_cli import run_nbgrader
from .paths import ROOT, SOURCE, Course, stages
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


def _files_hash(paths) -> str:
    digest = hashlib.sha256()
    for path in sorted(Path(p) for p in paths):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:20]


def grader_version(stage: str) -> str:
    """A hash of everything that decides a grade of ``stage`` besides the submission."""
    from .judge.expected import cache_key

    here = Path(__file__).resolve().parent
    code = [*here.joinpath("judge").glob("*.py"), here / "resilient_execute.py", here / "sandbox.py",
            ROOT / "nbgrader_config.py", SOURCE / stage / f"{stage}.ipynb"]
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
    (generate_assignment into a scratch folder) when the gradebook lacks them or the source changed since.
    ``only``: these stages (default: all)."""
    from nbgrader.api import Gradebook

    recorded_path = course.root / ".gradebook_sources.json"
    recorded = json.loads(recorded_path.read_text()) if recorded_path.exists() else {}
    with Gradebook(course.db_url) as gradebook:
        known = {a.name for a in gradebook.assignments}
    stale = [s for s in (only or stages()) if s not in known or recorded.get(s) != _source_hash(s)]
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
                  notebook_timeout: float = NOTEBOOK_TIMEOUT, force: bool = False, scheduler: str | None = None,
                  log=print) -> list[GradingResult]:
    """Grade every submission not graded yet on a Dask cluster, and record the results here.

    ``jobs`` local worker processes (one notebook each at a time), or the existing
    cluster at ``scheduler`` (see ``cluster.py``). With ``sandbox`` (the default)
    grading refuses to start (SandboxUnavailable, saying what to install) where
    the sandbox cannot run. Notebooks already graded from the same files by the
    same grader are skipped unless ``force``. Each result is written to the
    gradebook, autograded/ and ``grading_status.json`` as soon as it comes back,
    so an interrupted run loses nothing. Returns the results of this run.
    """
    from .cluster import grading_client

    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    if sandbox and not scheduler:
        from .sandbox import check_available

        check_available()
    if not sandbox:
        log("WARNING: grading WITHOUT a sandbox: submissions can read and change everything this user can. "
            "The grade table marks these grades.")
        extra_args = (*extra_args, "--ResilientExecute.sandbox=False")
    with contextlib.ExitStack() as cluster:
        # An existing cluster is asked first: a wrong address is a message at once, not after the preparations.
        client = cluster.enter_context(grading_client(scheduler=scheduler)) if scheduler else None
        ensure_gradebook(course, log=log)
        prepare_expected_values(log=log)
        chosen = [(s, a) for s, a in submissions(course)
                  if (only_stage in (None, a)) and (only_student in (None, s))]
        graders = {stage: grader_version(stage) for stage in {a for _, a in chosen}}
        status = load_status(course)
        todo = [item for item in chosen if force or not up_to_date(course, *item, status, graders[item[1]])]
        if len(todo) < len(chosen):
            log(f"{len(chosen) - len(todo)} notebook(s) already graded from the same files by the same grader: "
                "skipped (grade them again with --force)")
        if not todo:
            return []
        client = client or cluster.enter_context(grading_client(jobs))
        return _grade_on(client, course, todo, graders, extra_args, notebook_timeout, sandbox, log)


def _grade_on(client, course: Course, todo: list, graders: dict, extra_args: tuple, notebook_timeout: float,
              sandbox: bool, log) -> list[GradingResult]:
    """Send ``todo`` to the cluster's workers and record each graded notebook as it comes back."""
    from distributed import as_completed

    from .cluster import check_workers
    from .grading_task import GradingTask, grade_task
    from .record_graded import record_graded

    check_workers(client, sandbox)
    started = time.perf_counter()
    results = []
    versions, items = {}, {}
    for student, stage in todo:
        versions[student, stage] = {"submission": submission_hash(course, student, stage),
                                    "grader": graders[stage]}
        task = GradingTask.from_course(course, student, stage, graders[stage], extra_args=tuple(extra_args),
                                       notebook_timeout=notebook_timeout)
        future = client.submit(grade_task, task, key=f"grade-{stage}-{student}-{uuid.uuid4().hex[:8]}")
        items[future.key] = (future, student, stage)
    for batch in as_completed([f for f, _, _ in items.values()]).batches():
        graded = [_collect(*items[future.key]) for future in batch]
        for result in record_graded(course, graded):
            result.status.update(versions[result.student, result.stage])
            _save_status(course, [result])
            results.append(result)
            timed_out = result.status.get("timed_out_cells")
            log(f"[{len(results)}/{len(todo)}] {result.student} {result.stage}: "
                f"{'graded' if result.ok else 'FAILED: ' + result.message}"
                f"{'' if sandbox else ' WITHOUT SANDBOX'}"
                f"{f'; cells {timed_out} ran out of time' if timed_out else ''} "
                f"({result.seconds:.0f} s, {time.perf_counter() - started:.0f} s so far)")
    return results


def _collect(future, student: str, stage: str):
    """The worker's GradedNotebook, or a failed one saying why the task itself failed (e.g. its workers died)."""
    from .grading_task import GradedNotebook

    try:
        return future.result()
    except Exception as error:  # KilledWorker, or an error in the task (not in the student's code)
        return GradedNotebook(student, stage, False, 0.0,
                              f"could not be graded on the cluster: {error.__class__.__name__}: {str(error)[:300]}")


def grade_in(course: Course, student: str, stage: str, extra_args: tuple, notebook_timeout: float,
             attempts: int = 3) -> GradingResult:
    """Grade ``course``'s submission of ``student`` for ``stage`` with nbgrader (this is what a worker runs).

    A run that found the gradebook busy or failed in nbgrader itself (a kernel that
    could not start on a loaded machine) is tried again, up to ``attempts`` times.
    """
    t0 = time.perf_counter()
    private = f".autograding/{uuid.uuid4().hex}"  # nbgrader writes here; it replaces autograded/ only when done
    try:
        for _ in range(attempts):
            process = run_nbgrader("autograde", stage, "--student", student, "--force", *course.nbgrader_args(),
                                   f"--CourseDirectory.autograded_directory={private}", *extra_args, check=False,
                                   timeout=notebook_timeout)
            output = (process.stdout or "") + (process.stderr or "")
            if process.returncode in (0, None):
                break
        produced = course.root / private / student / stage
        if process.returncode is None:
            return GradingResult(student, stage, False, time.perf_counter() - t0,
                                 f"grading took longer than {notebook_timeout:.0f} s and was stopped",
                                 {"timed_out": True})
        ok = process.returncode == 0 and (produced / f"{stage}.ipynb").exists()
        if ok:
            _replace(produced, course.autograded / student / stage)
        return GradingResult(student, stage, ok, time.perf_counter() - t0, "" if ok else _reason(output),
                             _status_from_log(output))
    finally:
        shutil.rmtree(course.root / private, ignore_errors=True)


def _replace(new: Path, old: Path) -> None:
    """Put the folder ``new`` where ``old`` is, so that ``old`` is never half-written."""
    old.parent.mkdir(parents=True, exist_ok=True)
    trash = old.with_name(f".{old.name}.replaced-{uuid.uuid4().hex}")
    if old.exists():
        os.rename(old, trash)
    os.rename(new, old)
    shutil.rmtree(trash, ignore_errors=True)


def _status_from_log(log_text: str) -> dict:
    for line in reversed(log_text.splitlines()):
        if STATUS_PREFIX in line:
            try:
                return json.loads(line.split(STATUS_PREFIX, 1)[1])
            except ValueError:
                break
    return {}


def _save_status(course: Course, results: list[GradingResult]) -> None:
    """Merge outcomes per (student, stage) into ``grading_status.json``, atomically."""
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

