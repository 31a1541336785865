"""grades.csv says which points are still to be graded by hand and whether each total is final.

The gradebook is filled through nbgrader's own API, as autograding and formgrader fill it (no kernel runs):
stage 01 has 4 automatic points in two test cells and 2 written points in two answer cells, stage 02 has 3
automatic points and no written answer.
"""

from __future__ import annotations

import csv
import json
import shutil

import pytest

from utils.instructor.record.grading_record import GradingRecord
from utils.instructor.record.notebook_report import NotebookReport
from utils.instructor.record.state import State
from utils.instructor.results.grades import class_grades, export_grades, stage_grade
from utils.instructor.paths import Course

S1, S2 = "01_vanilla_gradients", "02_gradient_x_input"


def build_gradebook(course: Course) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gb:
        gb.add_assignment(S1)
        gb.add_notebook(S1, S1)
        for name, points in (("test_a", 1.0), ("test_b", 3.0)):
            gb.add_grade_cell(name, S1, S1, max_score=points, cell_type="code")
        for name in ("question_noise", "question_signed"):
            gb.add_grade_cell(name, S1, S1, max_score=1.0, cell_type="markdown")
            gb.add_solution_cell(name, S1, S1)
        gb.add_assignment(S2)
        gb.add_notebook(S2, S2)
        gb.add_grade_cell("test_c", S2, S2, max_score=3.0, cell_type="code")
        for student in ("alice", "bob", "carol", "dave", "erin", "frank"):
            gb.add_student(student, first_name=student.title(), last_name="Doe")


def autograde(course: Course, student: str, stage: str, scores: dict, answered: bool = True, **status) -> None:
    """What SaveAutoGrades and autograde_all record: automatic scores, and for each written answer either
    no score (answered, to be graded by hand) or an automatic 0 (left as released)."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gb:
        gb.add_submission(stage, student)
        for notebook in gb.find_submission(stage, student).notebooks:
            for grade in notebook.grades:
                if grade.name in scores:
                    grade.auto_score, grade.needs_manual_grade = scores[grade.name], False
                elif not answered:
                    grade.auto_score, grade.needs_manual_grade = 0.0, False
        gb.db.commit()
    path = course.grading_status
    data = json.loads(path.read_text()) if path.exists() else {}
    data.setdefault(student, {})[stage] = {"ok": True, "message": "", "sandbox": True, "timed_out_cells": [],
                                           "kernel_deaths": 0, **status}
    path.write_text(json.dumps(data))


def grade_by_hand(course: Course, student: str, cell: str, points: float) -> None:
    """What formgrader does when a grader types a score."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gb:
        grade = gb.find_grade(cell, S1, S1, student)
        grade.manual_score, grade.needs_manual_grade = points, False
        gb.db.commit()


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    course = Course.scratch(tmp_path_factory.mktemp("grades") / "course")
    build_gradebook(course)
    autograde(course, "alice", S1, {"test_a": 1.0, "test_b": 3.0})                   # answered both questions
    autograde(course, "alice", S2, {"test_c": 3.0})
    autograde(course, "bob", S1, {"test_a": 1.0, "test_b": 3.0})
    grade_by_hand(course, "bob", "question_noise", 1.0)
    grade_by_hand(course, "bob", "question_signed", 0.5)
    autograde(course, "carol", S1, {"test_a": 0.0, "test_b": 0.0}, answered=False)  # the untouched release
    autograde(course, "dave", S1, {"test_a": 1.0, "test_b": 0.0}, sandbox=False, timed_out_cells=["test_b"])
    data = json.loads(course.grading_status.read_text())
    data["erin"] = {S1: {"ok": False, "timed_out": True,
                         "message": "grading took longer than 1200 s and was stopped"}}
    course.grading_status.write_text(json.dumps(data))
    (course.submitted / "frank" / S1).mkdir(parents=True)
    (course.submitted / "frank" / S1 / f"{S1}.ipynb").write_text("{}")
    return course


@pytest.fixture
def course(filled, tmp_path):
    """A copy of the filled workspace for each test (opening nbgrader's gradebook the first time is slow)."""
    shutil.copytree(filled.root, tmp_path / "course", symlinks=True)
    return Course(tmp_path / "course")


def read(path):
    with open(path, newline="") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def test_unmarked_written_answers_are_pending_and_the_total_is_not_final(course):
    rows = read(export_grades(course, log=lambda *_: None))
    alice = rows["alice"]
    assert float(alice[S1]) == 4.0
    assert alice[f"{S1} status"] == "pending manual grading: 2 points of written answers not graded by hand yet"
    assert alice[f"{S2} status"] == "graded"
    assert (alice["total"], alice["total final"], alice["pending manual points"]) == ("7.0", "no", "2.0")


def test_hand_grades_count_and_make_the_total_final(course):
    bob = read(export_grades(course, log=lambda *_: None))["bob"]
    assert float(bob[S1]) == 5.5
    assert bob[f"{S1} status"] == "graded"
    assert bob[f"{S2} status"] == "not submitted"
    assert (bob["total"], bob["total final"], bob["pending manual points"]) == ("5.5", "yes", "0.0")


def test_unanswered_questions_score_an_automatic_zero_and_are_final(course):
    carol = read(export_grades(course, log=lambda *_: None))["carol"]
    assert (carol[f"{S1} status"], carol["total"], carol["total final"]) == ("graded", "0.0", "yes")


def test_sandbox_timeouts_and_failures_are_named(course):
    rows = read(export_grades(course, log=lambda *_: None))
    dave = rows["dave"][f"{S1} status"]
    assert dave.startswith("pending manual grading: 2 points")
    assert "graded WITHOUT sandbox" in dave and "cells ['test_b'] ran out of time (0 points)" in dave
    assert rows["erin"][f"{S1} status"] == "timed out: grading took longer than 1200 s and was stopped"
    assert rows["erin"]["total final"] == "no"
    assert rows["frank"][f"{S1} status"] == "submitted, not autograded yet (run make autograde)"
    assert rows["frank"]["total final"] == "no"


def test_the_max_row_says_how_many_points_are_graded_by_hand(course):
    maximum = read(export_grades(course, log=lambda *_: None))["(max)"]
    assert maximum[S1] == "6.0" and maximum["total"] == "9.0"
    assert maximum[f"{S1} status"] == "6 points: 4 automatic, 2 written (graded by hand)"
    assert maximum[f"{S2} status"] == "3 points, all automatic"
    assert maximum["pending manual points"] == "2.0"


def test_a_grade_typed_later_settles_the_pending_points(course):
    grade_by_hand(course, "alice", "question_noise", 1.0)
    alice = read(export_grades(course, log=lambda *_: None))["alice"]
    assert alice[f"{S1} status"] == "pending manual grading: 1 point of written answers not graded by hand yet"
    grade_by_hand(course, "alice", "question_signed", 0.0)
    alice = read(export_grades(course, log=lambda *_: None))["alice"]
    assert (alice[S1], alice[f"{S1} status"], alice["total final"]) == ("5.0", "graded", "yes")


def test_a_hand_grade_flagged_by_a_later_autograde_still_counts(course):
    """nbgrader's SaveAutoGrades sets needs_manual_grade again on a re-grade when a manual score exists."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gb:
        gb.find_grade("question_noise", S1, S1, "bob").needs_manual_grade = True
        gb.db.commit()
    bob = read(export_grades(course, log=lambda *_: None))["bob"]
    assert float(bob[S1]) == 5.5 and bob["total final"] == "yes"
    assert "1 point graded by hand before the latest autograde" in bob[f"{S1} status"]


def test_the_log_counts_what_is_left_to_do(course):
    said = []
    export_grades(course, log=said.append)
    assert "6 students" in said[0]
    assert "4 points of written answers to grade by hand in formgrader (4 totals not final)" in said[0]
    assert "3 notebooks need a look" in said[0]  # dave (no sandbox, timeout), erin, frank


def test_class_grades_keeps_names_and_timestamps_for_the_lms_exports(course):
    alice = next(s for s in class_grades(course).students if s.id == "alice")
    assert alice.full_name == "Alice Doe" and alice.stages[S1].timestamp is None
    assert alice.stages[S1].pending_points == 2.0 and not alice.final


def test_grading_status_in_words():
    assert stage_grade(None).status == "not submitted"
    assert stage_grade(GradingRecord("a", S1, State.COULD_NOT_GRADE, message="bad")).status == "could not be graded: bad"
    assert stage_grade(GradingRecord("a", S1, State.GRADED, report=NotebookReport(sandbox=True, kernel_deaths=1)),
                       submitted="gradebook").status == "the kernel died 1 time(s)"
