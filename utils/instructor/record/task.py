"""One notebook to grade, as the instructor's process sends it to a worker (``grading/worker/grading_task.py``).

A task carries the submission's files (bytes), not paths, so a worker on another machine needs only the
course's code at the same commit, never the instructor's folders or gradebook.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..paths import Course
from .hashes import submission_hash


@dataclass(frozen=True)
class GradingTask:
    student: str
    stage: str
    files: dict          # path relative to submitted/<student>/<stage> -> bytes
    grader: str          # the instructor's grader_version(stage); a worker with another one refuses
    extra_args: tuple = ()
    notebook_timeout: float = 1200.0
    submission: str = ""  # submission_hash of ``files`` as the instructor's course has them

    @classmethod
    def from_course(cls, course: Course, student: str, stage: str, grader: str, **options) -> "GradingTask":
        return cls(student, stage, read_folder(course.submitted / student / stage), grader,
                   submission=submission_hash(course, student, stage), **options)


def read_folder(folder: Path) -> dict:
    """Every file below ``folder`` as {relative path: bytes}."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def write_folder(folder: Path, files: dict) -> None:
    """``files`` ({relative path: bytes}) written below ``folder``."""
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
