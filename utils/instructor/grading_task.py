"""One notebook graded on a Dask worker: the task that ``autograde`` sends out, and what comes back.

A task carries the submission's files (bytes), not paths, so a worker on another
machine needs only the course's code at the same commit, never the instructor's
folders or gradebook. The worker grades in a workspace of its own, a scratch
course under its temporary folder with a gradebook of its own:

    submitted/<student>/<stage>/  <- the task's files
    nbgrader autograde (kernel in the sandbox, verdicts by the judge)
    autograded/<student>/<stage>/ -> returned as bytes, then removed

and returns the graded files with the grading status. The instructor's side
(``record_graded.py``) is the only writer of the real gradebook.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import socket
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from .autograde import GradingResult
from .paths import Course


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


@dataclass
class GradedNotebook(GradingResult):
    files: dict = field(default_factory=dict)  # path relative to autograded/<student>/<stage> -> bytes
    worker: str = ""


def read_folder(folder: Path) -> dict:
    """Every file below ``folder`` as {relative path: bytes}."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


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
    from .autograde import ensure_gradebook, grade_in, grader_version

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
    graded = workspace.autograded / task.student / task.stage
    shutil.rmtree(submitted, ignore_errors=True)
    for name, data in task.files.items():
        path = submitted / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    try:
        result = grade_in(workspace, task.student, task.stage, task.extra_args, task.notebook_timeout)
        files = read_folder(graded) if result.ok else {}
        return GradedNotebook(task.student, task.stage, result.ok, time.perf_counter() - started, result.message,
                              result.status, files, here)
    finally:
        shutil.rmtree(submitted, ignore_errors=True)
        shutil.rmtree(graded, ignore_errors=True)
