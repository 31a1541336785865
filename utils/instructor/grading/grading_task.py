"""One notebook graded on a Dask worker: the task that ``autograde`` sends out, and what comes back.

A task carries the submission's files (bytes), not paths, so a worker on another
machine needs only the course's code at the same commit, never the instructor's
folders or gradebook. The worker grades in a workspace of its own, a scratch
course under its temporary folder with a gradebook of its own:

    submitted/<student>/<stage>/  <- the task's files
    nbgrader's autograde, in the worker's own process (nbgrader_here.py; kernel in the
    sandbox, verdicts by the judge), loaded once and used for every notebook it grades
    autograded/<student>/<stage>/ -> returned as bytes with the NotebookReport, then removed

The instructor's side (``record_graded.py``) is the only writer of the real gradebook.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import socket
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import psutil

from .grading_report import GradedNotebook
from .nbgrader_here import autograde_here, overrides
from ..paths import Course
from .preparation import ensure_gradebook, grader_version
from .resilient_execute import NotebookTimeout

#: How often a notebook is tried when nbgrader itself failed (a busy gradebook, a kernel that could not start on a
#: loaded machine); a notebook that ran and was judged is never graded twice.
ATTEMPTS = 3


@dataclass(frozen=True)
class GradingTask:
    student: str
    stage: str
    files: dict          # path relative to submitted/<student>/<stage> -> bytes
    grader: str          # the instructor's grader_version(stage); a worker with another one refuses
    extra_args: tuple = ()
    notebook_timeout: float = 1200.0

    @classmethod
    def from_course(cls, course: Course, student: str, stage: str, grader: str, **options) -> "GradingTask":
        return cls(student, stage, read_folder(course.submitted / student / stage), grader, **options)


def read_folder(folder: Path) -> dict:
    """Every file below ``folder`` as {relative path: bytes}."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def write_folder(folder: Path, files: dict) -> None:
    """``files`` ({relative path: bytes}) written below ``folder``."""
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


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


def grade_task(task: GradingTask) -> GradedNotebook:
    """Grade one notebook here (called by a Dask worker)."""
    started = time.perf_counter()
    here = f"{socket.gethostname()}:{os.getpid()}"
    mine = grader_version(task.stage)
    if mine != task.grader:
        return GradedNotebook(task.student, task.stage, False, time.perf_counter() - started,
                              f"worker {here} runs another version of the course (grader {mine}, expected "
                              f"{task.grader}): install the instructor's commit on every worker", worker=here)
    workspace = worker_workspace()
    ensure_gradebook(workspace, only=[task.stage], log=lambda *_: None)
    submitted = workspace.submitted / task.student / task.stage
    private = f".autograding/{uuid.uuid4().hex}"  # nbgrader writes the graded notebook here
    graded = workspace.root / private / task.student / task.stage
    shutil.rmtree(submitted, ignore_errors=True)
    write_folder(submitted, task.files)
    settings = overrides(*task.extra_args, f"--ResilientExecute.notebook_timeout={task.notebook_timeout}",
                         f"--CourseDirectory.autograded_directory={private}")
    try:
        for _ in range(ATTEMPTS):
            run = autograde_here(workspace, task.stage, task.student, settings)
            report, error = run.reports.get(task.student), run.errors.get(task.student)
            timed_out = isinstance(error, NotebookTimeout)
            if report is not None or timed_out:
                break
        ok = report is not None and (graded / f"{task.stage}.ipynb").exists()
        if ok:
            return GradedNotebook(task.student, task.stage, True, time.perf_counter() - started, "",
                                  report.as_status(), report, read_folder(graded), here)
        return GradedNotebook(task.student, task.stage, False, time.perf_counter() - started,
                              str(error) if timed_out else run.problem(task.student),
                              {"timed_out": True} if timed_out else {}, worker=here)
    finally:
        shutil.rmtree(submitted, ignore_errors=True)
        shutil.rmtree(workspace.root / private, ignore_errors=True)
