"""The one writer: put notebooks graded on workers into the course's autograded/ folder and gradebook.

Workers return graded notebooks (kernel run, verdicts written by the judge); the
gradebook learns their scores the way nbgrader always does it, from its own
``Autograde`` converter with only the recording steps left (no kernel, no judge),
run in this process (``nbgrader_here.py``):

    staging/<student>/<stage>/   <- the graded files, and the submission's timestamp.txt
    Autograde <stage> with autograde_preprocessors = SaveAutoGrades, AssignLatePenalties, CheckCellMetadata
    -> private folder -> replaces autograded/<student>/<stage> (never half-written)

One run records every notebook of a stage that finished meanwhile, so the writer
keeps up with many workers. No student code runs here.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections import defaultdict
from pathlib import Path

from traitlets.config import Config

from ..grading.grading_report import GradedNotebook, GradingResult
from ..grading.nbgrader_here import autograde_here
from ..paths import Course

#: nbgrader's autograde reduced to what writes the gradebook (the worker did the rest).
RECORDING_ONLY = Config({"Autograde": {
    "sanitize_preprocessors": ["nbgrader.preprocessors.CheckCellMetadata"],
    "autograde_preprocessors": ["nbgrader.preprocessors.SaveAutoGrades",
                                "nbgrader.preprocessors.AssignLatePenalties",
                                "nbgrader.preprocessors.CheckCellMetadata"]}})


def record_graded(course: Course, graded: list[GradedNotebook]) -> list[GradingResult]:
    """Record ``graded`` in ``course``; returns one GradingResult per notebook, in the same order."""
    results = {}
    by_stage = defaultdict(list)
    for notebook in graded:
        if notebook.ok:
            by_stage[notebook.stage].append(notebook)
        else:
            results[id(notebook)] = _result(notebook, False, notebook.message)
    for stage, notebooks in by_stage.items():
        results.update(_record_stage(course, stage, notebooks))
    return [results[id(notebook)] for notebook in graded]


#: What nbgrader keeps beside a hand-in's notebook: when it was handed in (lateness) and the exchange's secret
#: (the name of the feedback page the student's Assignments tab looks for).
HAND_IN_FILES = ("timestamp.txt", "submission_secret.txt")


def _record_stage(course: Course, stage: str, notebooks: list[GradedNotebook]) -> dict:
    batch = uuid.uuid4().hex
    staging, private = f".autograding/record-{batch}", f".autograding/recorded-{batch}"
    try:
        for notebook in notebooks:
            folder = course.root / staging / notebook.student / stage
            for name, data in notebook.files.items():
                (folder / name).parent.mkdir(parents=True, exist_ok=True)
                (folder / name).write_bytes(data)
            for kept in HAND_IN_FILES:
                source = course.submitted / notebook.student / stage / kept
                if source.exists():
                    shutil.copy(source, folder / kept)
        folders = Config({"CourseDirectory": {"submitted_directory": staging, "autograded_directory": private}})
        folders.merge(RECORDING_ONLY)
        run = autograde_here(course, stage, "*", folders)
        results = {}
        for notebook in notebooks:
            produced = course.root / private / notebook.student / stage
            if (produced / f"{stage}.ipynb").exists():
                replace_folder(produced, course.autograded / notebook.student / stage)
                results[id(notebook)] = _result(notebook, True)
            else:
                results[id(notebook)] = _result(notebook, False,
                                                f"graded, but not recorded: {run.problem(notebook.student)}")
        return results
    finally:
        shutil.rmtree(course.root / staging, ignore_errors=True)
        shutil.rmtree(course.root / private, ignore_errors=True)


def replace_folder(new: Path, old: Path) -> None:
    """Put the folder ``new`` where ``old`` is, so that ``old`` is never half-written."""
    old.parent.mkdir(parents=True, exist_ok=True)
    trash = old.with_name(f".{old.name}.replaced-{uuid.uuid4().hex}")
    if old.exists():
        os.rename(old, trash)
    os.rename(new, old)
    shutil.rmtree(trash, ignore_errors=True)


def _result(notebook: GradedNotebook, ok: bool, message: str = "") -> GradingResult:
    return GradingResult(notebook.student, notebook.stage, ok, notebook.seconds, message,
                         {**notebook.status, "worker": notebook.worker}, notebook.report)
