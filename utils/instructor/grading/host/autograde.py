"""Autograde every collected submission on a Dask cluster (local by default), each kernel sandboxed.

The orchestrator never runs student code. The term's flow, one module each:

    host/preparation.py       the gradebook knows the stages; expected values computed; grader hashed
    worker/grading_task.py    each notebook a task; a Dask worker grades it with nbgrader in its own process
                              (nbgrader_here.py), the kernel in the sandbox (sandbox.py, resilient_execute.py),
                              started while the previous notebook ran (warm_kernels.py), the test cells decided
                              by the judge (judge/)
    gradebook/record_graded.py  the one writer puts the graded notebooks in the gradebook and autograded/

A notebook that takes longer than ``notebook_timeout`` starts no further cell and
counts as failed; the run goes on. What happened to each notebook (a typed
``GradingRecord``: its state, the kernel run's ``NotebookReport`` with sandboxed or not, cells that ran out
of time, kernel deaths; and the worker) is kept in ``grading_status.json`` (``gradebook/grading_status.py``)
for the grade table.

Resumable: a graded notebook replaces ``autograded/<student>/<stage>`` only once it
is complete, and the status is saved after every batch of notebooks that came back together. A later run skips
every notebook already graded from the same submission by the same grader (hashes
of the submitted files, and of the stage's source notebook, cases, answer key,
judge and configuration), so an interrupted run loses nothing and a re-run grades
only what is new or changed; ``force`` grades everything again.
"""

from __future__ import annotations

import contextlib
import time
import uuid

from ...gradebook.grading_status import load_status, save_status
from ...gradebook.record_graded import record_graded
from ...paths import Course
from ...record.grading_record import GradedNotebook, GradingRecord
from ...record.state import State
from ...record.task import GradingTask
from ..worker.grading_task import grade_task
from .preparation import ensure_gradebook, grader_version, prepare_expected_values, up_to_date

#: Wall-clock limit for one notebook, all retries included (a solution takes 20-40 s).
NOTEBOOK_TIMEOUT = 1200


def submissions(course: Course = Course()) -> list[tuple[str, str]]:
    return sorted((p.parent.parent.name, p.parent.name) for p in course.submitted.glob("*/*/*.ipynb")
                  if p.stem == p.parent.name)


def autograde_all(course: Course = Course(), only_stage: str | None = None, only_student: str | None = None,
                  extra_args: tuple = (), jobs: int = 1, sandbox: bool = True,
                  notebook_timeout: float = NOTEBOOK_TIMEOUT, force: bool = False, scheduler: str | None = None,
                  log=print) -> list[GradingRecord]:
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
        from ..worker.sandbox import check_available

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
              sandbox: bool, log) -> list[GradingRecord]:
    """Send ``todo`` to the cluster's workers and record each graded notebook as it comes back."""
    from distributed import as_completed

    from .cluster import check_workers

    check_workers(client, sandbox)
    started = time.perf_counter()
    results = []
    items = {}
    for student, stage in todo:
        task = GradingTask.from_course(course, student, stage, graders[stage], extra_args=tuple(extra_args),
                                       notebook_timeout=notebook_timeout)
        future = client.submit(grade_task, task, key=f"grade-{stage}-{student}-{uuid.uuid4().hex[:8]}")
        items[future.key] = (future, task)
    for batch in as_completed([f for f, _ in items.values()]).batches():
        recorded = record_graded(course, [_collect(*items[future.key]) for future in batch])
        for result in recorded:
            results.append(result)
            timed_out = result.report.timed_out_cells if result.report else ()
            log(f"[{len(results)}/{len(todo)}] {result.student} {result.stage}: "
                f"{'graded' if result.ok else 'FAILED: ' + result.message}"
                f"{'' if sandbox else ' WITHOUT SANDBOX'}"
                f"{f'; cells {list(timed_out)} ran out of time' if timed_out else ''} "
                f"({result.seconds:.0f} s, {time.perf_counter() - started:.0f} s so far)")
        # One write per batch: the file grows with the class (about 1 s to rewrite for 2,000 students), and while
        # it is written more notebooks finish, so the next batch is larger and the writer keeps up with the workers.
        # A batch lost to an interruption is recorded in the gradebook but graded again on resuming.
        save_status(course, recorded)
    return results


def _collect(future, task: GradingTask) -> GradedNotebook:
    """The worker's GradedNotebook, or a failed one saying why the task itself failed (e.g. its workers died)."""
    try:
        return future.result()
    except Exception as error:  # KilledWorker, or an error in the task (not in the student's code)
        return GradedNotebook(GradingRecord(
            task.student, task.stage, State.COULD_NOT_GRADE, 0.0,
            f"could not be graded on the cluster: {error.__class__.__name__}: {str(error)[:300]}",
            submission=task.submission, grader=task.grader))
