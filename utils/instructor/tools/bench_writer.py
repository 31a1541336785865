"""What the one writer costs per notebook, before and after issue 27 (``make bench-grading`` prints it).

Before, the writer recorded what a worker graded by running nbgrader's ``Autograde`` a second time with only
its recording steps (SaveAutoGrades, AssignLatePenalties, CheckCellMetadata) over a staging copy of the graded
files; now it records the worker's GradingRecord and graded notebook with nbgrader's Gradebook API
(``gradebook/record_graded.py``). Both get the same graded notebooks (one student's, graded for real, handed
in again under other names) in the same batches (a stage's notebooks at a time), each in a fresh copy of the
course. Aim: one writer keeps up with ``WORKERS`` workers, each grading a notebook in ``WORKER_SECONDS``.
"""

from __future__ import annotations

import shutil
import time
import uuid
from pathlib import Path

from traitlets.config import Config

from ..gradebook.grading_status import load_status
from ..gradebook.record_graded import HAND_IN_FILES, record_graded, replace_folder
from ..paths import Course, stages
from ..record.grading_record import GradedNotebook
from ..record.task import read_folder, write_folder

WORKERS = 32
#: A worker's time per notebook that the aim assumes (the README's figure: about 6 s of worker time each).
WORKER_SECONDS = 6.4
#: At least this many notebooks a second: one writer keeps up with WORKERS workers.
AIM = WORKERS / WORKER_SECONDS

#: nbgrader's autograde reduced to what writes the gradebook: the writer before issue 27.
RECORDING_ONLY = Config({"Autograde": {
    "sanitize_preprocessors": ["nbgrader.preprocessors.CheckCellMetadata"],
    "autograde_preprocessors": ["nbgrader.preprocessors.SaveAutoGrades",
                                "nbgrader.preprocessors.AssignLatePenalties",
                                "nbgrader.preprocessors.CheckCellMetadata"]}})


def record_with_autograde(course: Course, graded: list[GradedNotebook]) -> None:
    """The writer before issue 27: per stage, the graded files staged, nbgrader's Autograde run again over them
    with only its recording steps, its output moved into autograded/."""
    from ..grading.worker.nbgrader_here import autograde_here

    for stage in sorted({n.record.stage for n in graded}):
        batch = uuid.uuid4().hex
        staging, private = f".autograding/record-{batch}", f".autograding/recorded-{batch}"
        notebooks = [n for n in graded if n.record.stage == stage]
        for notebook in notebooks:
            folder = course.root / staging / notebook.record.student / stage
            write_folder(folder, notebook.files)
            for kept in HAND_IN_FILES:
                if (course.submitted / notebook.record.student / stage / kept).exists():
                    shutil.copy(course.submitted / notebook.record.student / stage / kept, folder / kept)
        folders = Config({"CourseDirectory": {"submitted_directory": staging, "autograded_directory": private}})
        folders.merge(RECORDING_ONLY)
        autograde_here(course, stage, "*", folders)
        for notebook in notebooks:
            produced = course.root / private / notebook.record.student / stage
            if produced.exists():
                replace_folder(produced, course.autograded / notebook.record.student / stage)
        shutil.rmtree(course.root / staging, ignore_errors=True)
        shutil.rmtree(course.root / private, ignore_errors=True)


def _graded_notebooks(course: Course, student: str, copies: int) -> list[GradedNotebook]:
    """``student``'s graded notebooks, handed in again by ``copies`` other students (same files and records)."""
    from dataclasses import replace

    records = load_status(course)[student]
    graded = []
    for n in range(copies):
        other = f"writer-bench-{n:02d}"
        for stage in stages():
            if stage in records and records[stage].ok:
                shutil.copytree(course.submitted / student / stage, course.submitted / other / stage,
                                dirs_exist_ok=True)
                graded.append(GradedNotebook(replace(records[stage], student=other),
                                             read_folder(course.autograded / student / stage)))
    return graded


def writer_cost(course: Course, student: str, workdir: Path, copies: int = 4) -> dict:
    """Seconds per notebook of the writer before and after, on a copy of ``course`` each (printed side by side)."""
    seconds = {}
    for name, write in (("before (Autograde again)", record_with_autograde), ("after (Gradebook API)", record_graded)):
        copy = Course(Path(shutil.copytree(course.root, workdir / f"writer-{len(seconds)}", symlinks=True)))
        graded = _graded_notebooks(copy, student, copies)
        started = time.perf_counter()
        for stage in stages():
            write(copy, [n for n in graded if n.record.stage == stage])
        seconds[name] = (time.perf_counter() - started) / max(len(graded), 1)
    before, after = seconds.values()
    print(f"the writer, {len(graded)} notebooks in batches of a stage's {copies}, seconds per notebook:")
    for name, value in seconds.items():
        print(f"  {name:<26} {value:6.3f} s   {1 / value:6.1f} notebooks/s")
    print(f"  after/before: {after / before:.2f}x the time ({before / after:.1f}x as fast); one writer keeps up with "
          f"{WORKERS} workers ({AIM:.1f} notebooks/s at {WORKER_SECONDS} s of worker time each): "
          f"{'yes' if 1 / after >= AIM else 'NO'}")
    return seconds
