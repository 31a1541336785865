"""The one writer: put notebooks graded on workers into the course's autograded/ folder and gradebook.

Workers return a GradingRecord and the graded files (kernel run, verdicts written by the judge, nbgrader's
autograde done). The writer records them with nbgrader's Gradebook API, as nbgrader's ``Autograde`` would
with its recording steps, without running it again (no converter, no kernel, no judge, no student code):

    the student and the submission, with the hand-in's time (timestamp.txt)   Autograde.init_assignment
    each grade cell's automatic score, each answer's "No response." comment    SaveAutoGrades
    the late penalty                                                            AssignLatePenalties
    the graded files -> a private folder -> replaces autograded/<student>/<stage> (each file written once,
    the folder never half-written)

One gradebook session records every notebook that came back together, so the writer keeps up with many
workers (``make bench-grading`` measures it).
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import nbformat

from ..paths import Course
from ..record.grading_record import GradedNotebook, GradingRecord
from ..record.task import write_folder
from .door import open_gradebook, submission_of
from .late_penalties import reassess

#: What nbgrader keeps beside a hand-in's notebook: when it was handed in (lateness) and the exchange's secret
#: (the name of the feedback page the student's Assignments tab looks for).
HAND_IN_FILES = ("timestamp.txt", "submission_secret.txt")


def record_graded(course: Course, graded: list[GradedNotebook]) -> list[GradingRecord]:
    """Record ``graded`` in ``course``; returns one GradingRecord per notebook, in the same order (a notebook
    graded but not recorded is COULD_NOT_GRADE, saying why)."""
    results = [notebook.record for notebook in graded]
    todo = [i for i, notebook in enumerate(graded) if notebook.record.ok]
    if not todo:
        return results
    from .late_policy import late_policy

    policy = late_policy()
    with open_gradebook(course) as gradebook:
        for i in todo:
            try:
                _record_one(course, gradebook, graded[i], policy)
            except Exception as error:  # noqa: BLE001 (one notebook the gradebook refused; the others go on)
                gradebook.db.rollback()
                results[i] = graded[i].record.failed(
                    f"graded, but not recorded: {type(error).__name__}: {str(error).strip()[:300]}")
    return results


def _record_one(course: Course, gradebook, notebook: GradedNotebook, policy) -> None:
    from nbgrader.utils import parse_utc

    student, stage = notebook.record.student, notebook.record.stage
    submitted = course.submitted / student / stage
    stamp = submitted / "timestamp.txt"
    timestamp = stamp.read_text().strip() if stamp.exists() else ""
    gradebook.update_or_create_student(student)
    submission = submission_of(gradebook, stage, student, **({"timestamp": parse_utc(timestamp)} if timestamp else {}))
    for name in (n.name for n in submission.assignment.notebooks):
        data = notebook.files.get(f"{name}.ipynb")
        _save_auto_grades(gradebook, stage, student, name, nbformat.reads(data, 4) if data is not None else None)
    gradebook.db.commit()
    reassess(gradebook, submission, policy)
    _write_autograded(course, notebook, submitted)


def _save_auto_grades(gradebook, stage: str, student: str, name: str, graded) -> None:
    """What nbgrader's ``SaveAutoGrades`` stores for one graded notebook (``graded``: the notebook); a notebook
    not handed in scores 0 everywhere, as ``Autograde`` gives it."""
    from nbgrader import utils

    if graded is None:
        for grade in gradebook.find_submission_notebook(name, stage, student).grades:
            grade.auto_score, grade.needs_manual_grade = 0, False
        return
    for cell in graded.cells:
        if utils.is_grade(cell):
            grade = gradebook.find_grade(cell.metadata.nbgrader.grade_id, name, stage, student)
            grade.auto_score, _ = utils.determine_grade(cell)
            # A grade given by hand before, or an answer nbgrader cannot score, needs a person's look.
            grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
        if utils.is_solution(cell) or utils.is_task(cell):
            comment = gradebook.find_comment(cell.metadata.nbgrader.grade_id, name, stage, student)
            unchanged = cell.metadata.nbgrader.get("checksum", None) == utils.compute_checksum(cell)
            comment.auto_comment = "No response." if unchanged and not utils.is_task(cell) else None


def _write_autograded(course: Course, notebook: GradedNotebook, submitted: Path) -> None:
    """The graded files and the hand-in's own (HAND_IN_FILES) into a private folder, then in place at once."""
    student, stage = notebook.record.student, notebook.record.stage
    private = course.root / ".autograding" / f"recorded-{uuid.uuid4().hex}"
    try:
        write_folder(private, notebook.files)
        for kept in HAND_IN_FILES:
            if (submitted / kept).exists():
                shutil.copy(submitted / kept, private / kept)
        replace_folder(private, course.autograded / student / stage)
    finally:
        shutil.rmtree(private, ignore_errors=True)


def replace_folder(new: Path, old: Path) -> None:
    """Put the folder ``new`` where ``old`` is, so that ``old`` is never half-written."""
    old.parent.mkdir(parents=True, exist_ok=True)
    trash = old.with_name(f".{old.name}.replaced-{uuid.uuid4().hex}")
    if old.exists():
        os.rename(old, trash)
    os.rename(new, old)
    shutil.rmtree(trash, ignore_errors=True)
