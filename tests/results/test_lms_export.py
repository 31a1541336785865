"""Grades leave for Canvas and Moodle in the files those systems import, through nbgrader's export plugins,
and a grade that is not final (written answers not graded by hand yet) is an empty cell, never a 0."""

from __future__ import annotations

import csv
import logging
import shutil
from datetime import datetime
from types import SimpleNamespace

import pytest

from tests.results.test_grades_status import S1, S2, autograde, build_gradebook, grade_by_hand
from utils.instructor.commands.export import PLUGINS, nbgrader_arguments
from utils.instructor.results.export_canvas import CanvasExportPlugin
from utils.instructor.results.export_moodle import HEADER as MOODLE_HEADER
from utils.instructor.results.export_moodle import MoodleExportPlugin, moodle_time
from utils.instructor.results.export_table import GradeTableExportPlugin
from utils.instructor.nbgrader_cli import run_nbgrader
from utils.instructor.paths import Course


def pending_final_and_missing(course: Course, lms_ids=("50123", "50124", "")) -> Course:
    """alice: both questions answered, not graded by hand yet (pending), stage 02 graded 3 of 3; bob: stage 01
    graded by hand, 5.5 of 6 (final), stage 02 not handed in; carol: handed in nothing. Names, e-mail and LMS ids
    (``lms_ids`` of alice, bob and carol; empty: none) come from a roster."""
    from nbgrader.api import Gradebook

    build_gradebook(course)
    with Gradebook(course.db_url) as gb:
        for student, lms in zip(("alice", "bob", "carol"), lms_ids):
            gb.update_or_create_student(student, email=f"{student}@example.org", lms_user_id=lms or None)
        for other in ("dave", "erin", "frank"):
            gb.remove_student(other)
    autograde(course, "alice", S1, {"test_a": 1.0, "test_b": 3.0})
    autograde(course, "alice", S2, {"test_c": 3.0})
    autograde(course, "bob", S1, {"test_a": 1.0, "test_b": 3.0})
    grade_by_hand(course, "bob", "question_noise", 1.0)
    grade_by_hand(course, "bob", "question_signed", 0.5)
    return course


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    return pending_final_and_missing(Course.scratch(tmp_path_factory.mktemp("export") / "course"))


@pytest.fixture
def course(filled, tmp_path):
    shutil.copytree(filled.root, tmp_path / "course", symlinks=True)
    return Course(tmp_path / "course")


def export(plugin_class, course, to, **options):
    """Run a plugin as ``nbgrader export`` does (the last test runs the real command)."""
    from nbgrader.api import Gradebook

    plugin = plugin_class(to=str(to), course_root=str(course.root), **options)
    with Gradebook(course.db_url) as gb:
        plugin.export(gb)
    return to


def rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_canvas_file_has_canvas_columns_points_possible_and_empty_pending_cells(course, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    table = rows(export(CanvasExportPlugin, course, tmp_path / "canvas.csv",
                        assignment_ids={S1: 1234}))
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", f"{S1} (1234)", S2]
    assert table[1] == ["    Points Possible", "", "", "", "", "6", "3"]
    by_id = {row[2]: row for row in table[2:]}
    assert by_id["alice"][:2] == ["Doe, Alice", "50123"]
    assert by_id["alice"][5:] == ["", "3"], "alice's written answers are pending: her stage-01 cell stays empty"
    assert by_id["bob"][5:] == ["5.5", "0"], "graded by hand: final; stage 02 not handed in: 0"
    assert by_id["carol"][1] == "" and by_id["carol"][5:] == ["0", "0"]
    assert "1 grades left EMPTY" in caplog.text and "2 points of written answers" in caplog.text
    assert "alice 01_vanilla_gradients" in caplog.text


def test_a_grade_given_by_hand_fills_the_canvas_cell(course, tmp_path):
    grade_by_hand(course, "alice", "question_noise", 1.0)
    grade_by_hand(course, "alice", "question_signed", 1.0)
    by_id = {row[2]: row for row in rows(export(CanvasExportPlugin, course, tmp_path / "canvas.csv"))[2:]}
    assert by_id["alice"][5:] == ["6", "3"]


def test_moodle_worksheet_per_stage_with_moodles_columns(course, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    export(MoodleExportPlugin, course, tmp_path / "moodle.csv")
    first, second = rows(tmp_path / f"moodle_{S1}.csv"), rows(tmp_path / f"moodle_{S2}.csv")
    assert first[0] == MOODLE_HEADER == ["Identifier", "Full name", "Email address", "Status", "Grade",
                                         "Maximum Grade", "Grade can be changed", "Last modified (submission)",
                                         "Last modified (grade)", "Feedback comments"]
    by_id = {row[0]: row for row in first[1:]}
    alice, bob = by_id["Participant 50123"], by_id["Participant 50124"]
    assert alice[1:3] == ["Alice Doe", "alice@example.org"]
    assert alice[3].startswith("pending manual grading") and alice[4] == "" and alice[5] == "6"
    assert "2 points of written answers are not graded yet" in alice[9]
    assert bob[3:7] == ["graded", "5.5", "6", "Yes"] and bob[9] == "5.5 of 6 points."
    assert datetime.strptime(bob[8], "%A, %d %B %Y, %I:%M %p").date() == datetime.now().date()
    assert {row[0]: row[4] for row in second[1:]} == {"Participant 50123": "3", "Participant 50124": "0",
                                                      "Participant carol": "0"}
    assert "no Moodle participant number" in caplog.text and "carol" in caplog.text


def test_moodle_single_assignment_writes_the_named_file(course, tmp_path):
    export(MoodleExportPlugin, course, tmp_path / "one.csv", assignment=[S2])
    assert [p.name for p in tmp_path.glob("*.csv")] == ["one.csv"]
    assert moodle_time(None) == "-"


def test_an_unknown_assignment_is_refused_with_the_known_ones(course, tmp_path):
    with pytest.raises(ValueError, match="no assignment .*08_nope.* it has"):
        export(CanvasExportPlugin, course, tmp_path / "x.csv", assignment=["08_nope"])


def test_grade_table_plugin_writes_grades_csv_with_status(course, tmp_path):
    table = rows(export(GradeTableExportPlugin, course, tmp_path / "table.csv"))
    assert table[0][:3] == ["student_id", S1, f"{S1} status"] and "total final" in table[0]


def test_nbgrader_export_runs_the_course_plugin(course, tmp_path):
    """The real ``nbgrader export --exporter=...`` command line, as the course command builds it."""
    args = SimpleNamespace(format="canvas", to=str(tmp_path / "via_nbgrader.csv"), assignment=[S1], student=[])
    done = run_nbgrader(*nbgrader_arguments(args, course), check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    table = rows(tmp_path / "via_nbgrader.csv")
    assert table[0][5:] == [S1] and table[1][5:] == ["6"]
    assert {row[2]: row[5] for row in table[2:]} == {"alice": "", "bob": "5.5", "carol": "0"}
    assert "left EMPTY" in done.stderr + done.stdout
    assert set(PLUGINS) == {"canvas", "moodle", "csv", "lti"}
