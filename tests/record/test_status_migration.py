"""grading_status.json as it was before the record was typed (no version; per student and stage ``ok``,
``message``, ``timed_out`` and the NotebookReport's fields side by side) is read by the one migration and gives
the demo class the same grades, statuses and verdicts; the next write is version 2."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

from utils.instructor.gradebook.grading_status import load_status, save_status
from utils.instructor.paths import Course
from utils.instructor.record.state import State
from utils.instructor.results.grades import grade_table

from tests.graded_demo_class import student_of

STAGE = "01_vanilla_gradients"


def version_1(entry: dict) -> dict:
    """One record as the unversioned file kept it (written out by hand here, as grading/autograde.py wrote it)."""
    report = entry["report"] or {}
    old = {"ok": entry["state"] == "graded", "message": entry["message"], **report,
           "worker": entry["worker"], "submission": entry["submission"], "grader": entry["grader"]}
    if entry["state"] == "timed_out":
        old["timed_out"] = True
    return old


def test_the_old_status_file_of_the_demo_class_gives_the_same_grades(graded_class, tmp_path):
    course = Course(shutil.copytree(graded_class["course"].root, tmp_path / "course", symlinks=True))
    now = json.loads(course.grading_status.read_text())
    assert now["version"] == 2
    before_rows, before_records = grade_table(course), load_status(course)
    old = {student: {stage: version_1(entry) for stage, entry in stages.items()}
           for student, stages in now["records"].items()}
    course.grading_status.write_text(json.dumps(old))

    assert grade_table(course) == before_rows
    migrated = load_status(course)
    # The old file kept no worker's time (its "seconds" was the kernel run's, still in the report).
    assert migrated == {student: {stage: replace(record, seconds=0.0) for stage, record in stages.items()}
                        for student, stages in before_records.items()}
    assert migrated[student_of("correct")][STAGE].state is State.GRADED
    assert migrated[student_of("forges_records")][STAGE].report.verdicts  # the judge's verdicts survive
    assert json.loads(course.grading_status.read_text()) == old, "reading leaves the file as it was"

    save_status(course, [])
    assert json.loads(course.grading_status.read_text())["version"] == 2
    assert load_status(course) == migrated and grade_table(course) == before_rows


def test_an_old_entry_of_each_kind_becomes_its_state(tmp_path):
    course = Course.scratch(tmp_path / "course")
    course.grading_status.write_text(json.dumps({"ada": {
        "s1": {"ok": True, "message": "", "sandbox": False, "timed_out_cells": [3], "kernel_deaths": 2},
        "s2": {"ok": False, "timed_out": True, "message": "grading took longer than 1200 s"},
        "s3": {"ok": False, "message": "worker died"}}}))
    records = load_status(course)["ada"]
    assert records["s1"].state is State.GRADED and records["s1"].report.sandbox is False
    assert records["s1"].report.timed_out_cells == (3,) and records["s1"].report.kernel_deaths == 2
    assert records["s2"].state is State.TIMED_OUT and records["s2"].message.startswith("grading took longer")
    assert records["s3"].state is State.COULD_NOT_GRADE and records["s3"].report is None
