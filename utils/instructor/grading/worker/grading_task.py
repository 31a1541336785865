"""One notebook graded on a Dask worker: the GradingTask that ``autograde`` sends out (``record/task.py``), and
the GradedNotebook that comes back (``record/grading_record.py``).

The worker grades in a workspace of its own, a scratch course under its temporary folder with a gradebook of
its own:

    submitted/<student>/<stage>/  <- the task's files
    nbgrader's autograde, in the worker's own process (nbgrader_here.py; kernel in the
    sandbox, verdicts by the judge), loaded once and used for every notebook it grades
    autograded/<student>/<stage>/ -> returned as bytes with the GradingRecord, then removed

The instructor's side (``gradebook/record_graded.py``) is the only writer of the real gradebook.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import socket
import tempfile
import time
import uuid
from pathlib import Path

import psutil

from ...gradebook.stage_sources import ensure_gradebook
from ...paths import Course
from ...record.grading_record import GradedNotebook, GradingRecord
from ...record.state import State
from ...record.task import GradingTask, read_folder, write_folder
from .grader_version import grader_version
from ...nbgrader_settings import configured
from .nbgrader_here import autograde_here, overrides
from .resilient_execute import NotebookTimeout, ResilientExecute

#: How often a notebook is tried when nbgrader itself failed (a busy gradebook, a kernel that could not start on a
#: loaded machine); a notebook that ran and was judged is never graded twice.
ATTEMPTS = 3


WORKSPACE_PREFIX = "xai-course-worker-"


@functools.lru_cache(maxsize=1)
def worker_workspace() -> Course:
    """This worker process's scratch course (two workers on one machine never share a gradebook).

    Removed when the process ends; a killed worker's is removed by the next one started here.
    """
    host = socket.gethostname()
    for old in Path(tempfile.gettempdir()).glob(f"{WORKSPACE_PREFIX}{host}-*"):
        pid = old.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not psutil.pid_exists(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    root = Path(tempfile.gettempdir()) / f"{WORKSPACE_PREFIX}{host}-{os.getpid()}"
    atexit.register(shutil.rmtree, root, True)
    return Course.scratch(root)


def start_warming(workspace: Course, task: GradingTask, settings) -> None:
    """The kernels for this notebook and the next start now, before the worker loads nbgrader's converter, the
    judge and the expected values for its first notebook (nothing to do while enough are warming)."""
    config, _coursedir = configured(workspace, task.stage, task.student, settings)
    ResilientExecute(config=config).start_warming(_kernel_name(task))


def _kernel_name(task: GradingTask) -> str:
    """The kernel the task's notebook names (its kernelspec; the course's "python3" when it cannot be read)."""
    try:
        notebook = json.loads(task.files.get(f"{task.stage}.ipynb", b"{}"))
        return str(notebook.get("metadata", {}).get("kernelspec", {}).get("name", "python3"))
    except (ValueError, AttributeError):
        return "python3"


def grade_task(task: GradingTask) -> GradedNotebook:
    """Grade one notebook here (called by a Dask worker)."""
    started = time.perf_counter()
    here = f"{socket.gethostname()}:{os.getpid()}"

    def record(state: State, message: str = "", report=None) -> GradingRecord:
        return GradingRecord(task.student, task.stage, state, time.perf_counter() - started, message, report, here,
                             task.submission, task.grader)

    mine = grader_version(task.stage)
    if mine != task.grader:
        return GradedNotebook(record(State.COULD_NOT_GRADE,
                                     f"worker {here} runs another version of the course (grader {mine}, expected "
                                     f"{task.grader}): install the instructor's commit on every worker"))
    workspace = worker_workspace()
    private = f".autograding/{uuid.uuid4().hex}"  # nbgrader writes the graded notebook here
    settings = overrides(*task.extra_args, f"--ResilientExecute.notebook_timeout={task.notebook_timeout}",
                         f"--CourseDirectory.autograded_directory={private}")
    start_warming(workspace, task, settings)
    ensure_gradebook(workspace, only=[task.stage], log=lambda *_: None)
    submitted = workspace.submitted / task.student / task.stage
    graded = workspace.root / private / task.student / task.stage
    shutil.rmtree(submitted, ignore_errors=True)
    write_folder(submitted, task.files)
    try:
        for _ in range(ATTEMPTS):
            run = autograde_here(workspace, task.stage, task.student, settings)
            report, error = run.reports.get(task.student), run.errors.get(task.student)
            timed_out = isinstance(error, NotebookTimeout)
            if report is not None or timed_out:
                break
        if report is not None and (graded / f"{task.stage}.ipynb").exists():
            return GradedNotebook(record(State.GRADED, "", report), read_folder(graded))
        if timed_out:
            return GradedNotebook(record(State.TIMED_OUT, str(error)))
        return GradedNotebook(record(State.COULD_NOT_GRADE, run.problem(task.student)))
    finally:
        shutil.rmtree(submitted, ignore_errors=True)
        shutil.rmtree(workspace.root / private, ignore_errors=True)
