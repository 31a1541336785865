"""Due dates, extensions and the late policy on notebooks graded for real: one scratch course, stage 04 due
2026-03-02 12:00 Europe/Berlin (11:00 UTC), three hand-ins of the solution notebook, graded once by the course's
autograde (sandboxed kernels, then nbgrader's AssignLatePenalties with the course's plugin):

    late-lee   2026-03-03 11:30 UTC, no extension       24 h 30 min late: 2 started days
    ext-eve    2026-03-04 10:00 UTC, 2 days' extension   granted before the hand-in, so on time
    very-vic   2026-03-12 12:00 UTC, no extension       10 days 1 h late: after the last accepted moment

The policy numbers the expected values are written from (10 % of the score per started day, at most 50 %,
accepted 7 days after the deadline) are checked against nbgrader_config.py first. The solution scores every
automatic point of stage 04, counted here from the source notebook, not from the gradebook. Tests that change
something work on a copy of the graded course.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import shutil

import nbformat
import pytest

from utils.instructor.gradebook.extensions import grant_extension, list_extensions, remove_extension
from utils.instructor.grading.host.autograde import autograde_all
from utils.instructor.intake.schedule import student_schedule
from utils.instructor.paths import Course, source_notebook
from utils.instructor.results.grades import class_grades, export_grades, summary

STAGE = "04_baselines"
UTC = dt.timezone.utc
DUE = dt.datetime(2026, 3, 2, 11, 0, tzinfo=UTC)  # 12:00 in Berlin (CET, UTC+1)
HANDED_IN = {"late-lee": "2026-03-03 11:30:00.000000 UTC", "ext-eve": "2026-03-04 10:00:00.000000 UTC",
             "very-vic": "2026-03-12 12:00:00.000000 UTC"}
TIMEOUT = "--Execute.timeout=60"


def automatic_points() -> float:
    """Stage 04's autograded points, from the source notebook's test cells."""
    nb = nbformat.read(source_notebook(STAGE), 4)
    return sum(float(c.metadata["nbgrader"]["points"]) for c in nb.cells
               if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata["nbgrader"].get("solution"))


AUTO = automatic_points()


def read_grades(course: Course) -> dict:
    with open(export_grades(course, log=lambda *_: None), newline="") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def penalty_in_gradebook(course: Course, student: str):
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gradebook:
        return gradebook.find_submission_notebook(STAGE, STAGE, student).late_submission_penalty


def grade_written_answers(course: Course, student: str, points: float) -> None:
    """What formgrader does when a grader scores both written answers of stage 04 with ``points`` each."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gradebook:
        for grade in gradebook.find_submission_notebook(STAGE, STAGE, student).grades:
            if grade.name.startswith("question_"):
                grade.manual_score, grade.needs_manual_grade = points, False
        gradebook.db.commit()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from nbgrader.api import Gradebook

    course = Course.scratch(tmp_path_factory.mktemp("due_dates") / "course")
    (course.root / "schedule.csv").write_text(f"stage,due\n{STAGE},2026-03-02 12:00 Europe/Berlin\n")
    with Gradebook(course.db_url) as gradebook:
        for student in HANDED_IN:
            gradebook.update_or_create_student(student)
    # Granted before ext-eve hands anything in: the gradebook has no submission of hers yet.
    granted = grant_extension("ext-eve", STAGE, "2", course, log=lambda *_: None)
    for student, when in HANDED_IN.items():
        folder = course.submitted / student / STAGE
        folder.mkdir(parents=True)
        nbformat.write(nbformat.read(source_notebook(STAGE), 4), str(folder / f"{STAGE}.ipynb"))
        (folder / "timestamp.txt").write_text(when)  # as nbgrader's exchange writes it
    results = autograde_all(course, extra_args=(TIMEOUT,), jobs=1, log=print)
    assert [r.ok for r in results] == [True] * 3, [r.message for r in results]
    return dict(course=course, granted=granted, grades=read_grades(course))


@pytest.fixture
def copy(graded, tmp_path):
    shutil.copytree(graded["course"].root, tmp_path / "course", symlinks=True)
    return Course(tmp_path / "course")


def test_the_configured_policy_is_the_one_these_tests_expect():
    from utils.instructor.gradebook.late_policy import course_late_policy

    policy = course_late_policy()
    assert policy is not None, "nbgrader_config.py should name CourseLatePolicy as AssignLatePenalties.plugin_class"
    assert (policy.share_per_day, policy.max_share, policy.accepted_days_late) == (0.1, 0.5, 7.0), (
        "nbgrader_config.py's late policy changed: update this module's expected penalties")


def test_the_gradebook_holds_the_schedules_due_date_in_utc(graded):
    from nbgrader.api import Gradebook

    with Gradebook(graded["course"].db_url) as gradebook:
        assert gradebook.find_assignment(STAGE).duedate == dt.datetime(2026, 3, 2, 11, 0)
        assert gradebook.find_assignment("01_vanilla_gradients").duedate is None


def test_a_late_hand_in_without_extension_loses_the_configured_share(graded):
    course, row = graded["course"], graded["grades"]["late-lee"]
    assert AUTO == 5.0
    assert penalty_in_gradebook(course, "late-lee") == pytest.approx(0.2 * AUTO)  # 2 started days x 10 %
    assert float(row[STAGE]) == pytest.approx(0.8 * AUTO)
    assert float(row[f"{STAGE} late penalty"]) == pytest.approx(0.2 * AUTO)
    assert float(row[f"{STAGE} days late"]) == pytest.approx(24.5 / 24, abs=0.005)
    assert "late: 1 day 30 min after the deadline (due 2026-03-02 11:00 UTC)" in row[f"{STAGE} status"]
    assert float(row["total"]) == pytest.approx(0.8 * AUTO)


def test_an_extension_granted_before_the_hand_in_survives_autograde_and_makes_it_on_time(graded):
    from nbgrader.api import Gradebook

    course, row = graded["course"], graded["grades"]["ext-eve"]
    assert graded["granted"].handed_in is None and graded["granted"].deadline == DUE + dt.timedelta(days=2)
    with Gradebook(course.db_url) as gradebook:
        submission = gradebook.find_submission(STAGE, "ext-eve")
        assert submission.extension == dt.timedelta(days=2)
        assert submission.timestamp == dt.datetime(2026, 3, 4, 10, 0)
    assert penalty_in_gradebook(course, "ext-eve") is None
    assert float(row[STAGE]) == AUTO
    assert (float(row[f"{STAGE} days late"]), float(row[f"{STAGE} late penalty"])) == (0.0, 0.0)
    assert "late" not in row[f"{STAGE} status"]


def test_a_hand_in_after_the_last_accepted_moment_is_kept_graded_flagged_and_counts_zero(graded):
    course, row = graded["course"], graded["grades"]["very-vic"]
    assert penalty_in_gradebook(course, "very-vic") == pytest.approx(AUTO)  # the whole score
    assert float(row[STAGE]) == 0.0 and float(row[f"{STAGE} late penalty"]) == AUTO
    assert float(row[f"{STAGE} days late"]) == pytest.approx(10 + 1 / 24, abs=0.005)
    status = row[f"{STAGE} status"]
    assert status.startswith("pending manual grading")
    assert "handed in after the last accepted moment: 10 days 1 h" in status
    assert "make extension STUDENT=very-vic STAGE=04_baselines" in status
    assert (course.submitted / "very-vic" / STAGE / f"{STAGE}.ipynb").exists()
    assert (course.autograded / "very-vic" / STAGE / f"{STAGE}.ipynb").exists()
    flagged_only_vic = summary(class_grades(course))
    assert "1 notebooks need a look" in flagged_only_vic  # a plain late hand-in is not flagged, very-vic's is


def test_the_max_row_gives_the_due_date_and_the_policy(graded):
    row = graded["grades"]["(max)"]
    assert row[f"{STAGE} days late"] == "due 2026-03-02 11:00 UTC"
    assert row["01_vanilla_gradients days late"] == "no due date"
    assert row[f"{STAGE} late penalty"].startswith("10 % of the score per started day late, at most 50 %")


def test_the_existing_columns_are_all_still_there_in_order(graded):
    columns = list(graded["grades"]["(max)"])
    assert columns[:3] == ["student_id", "01_vanilla_gradients", "01_vanilla_gradients status"]
    assert columns[-3:] == ["total", "total final", "pending manual points"]
    for stage in ("01_vanilla_gradients", STAGE):
        at = columns.index(stage)
        assert columns[at:at + 4] == [stage, f"{stage} status", f"{stage} days late", f"{stage} late penalty"]


def test_an_extension_after_grading_changes_the_penalty_without_grading_again(copy):
    grant_extension("late-lee", STAGE, 1, copy, log=lambda *_: None)  # 30 min late now: 1 started day
    assert penalty_in_gradebook(copy, "late-lee") == pytest.approx(0.1 * AUTO)
    assert float(read_grades(copy)["late-lee"][STAGE]) == pytest.approx(0.9 * AUTO)
    grant_extension("very-vic", STAGE, 5, copy, log=lambda *_: None)  # 5 days 1 h late: capped at 50 %
    row = read_grades(copy)["very-vic"]
    assert float(row[STAGE]) == pytest.approx(0.5 * AUTO)
    assert "last accepted" not in row[f"{STAGE} status"]


def test_taking_an_extension_back_makes_the_hand_in_late(copy):
    assert remove_extension("ext-eve", STAGE, copy) == dt.timedelta(days=2)
    assert penalty_in_gradebook(copy, "ext-eve") == pytest.approx(0.2 * AUTO)  # 47 h late: 2 started days
    assert [e.student for e in list_extensions(copy)] == []


def test_the_penalty_follows_written_answers_graded_by_hand(copy):
    grade_written_answers(copy, "late-lee", 1.0)  # 2 written points: the score is 7
    row = read_grades(copy)["late-lee"]
    assert float(row[f"{STAGE} late penalty"]) == pytest.approx(0.2 * (AUTO + 2))
    assert float(row[STAGE]) == pytest.approx(0.8 * (AUTO + 2)) and row["total final"] == "yes"
    assert penalty_in_gradebook(copy, "late-lee") == pytest.approx(0.2 * (AUTO + 2))


def test_a_new_due_date_in_the_schedule_reaches_the_penalties(copy):
    from utils.instructor.gradebook.due_dates import record_due_dates

    (copy.root / "schedule.csv").write_text(f"stage,due\n{STAGE},2026-03-03T12:00:00Z\n")
    assert record_due_dates(copy, log=lambda *_: None) == [STAGE]
    assert penalty_in_gradebook(copy, "late-lee") is None  # handed in at 11:30, before the new due date
    assert penalty_in_gradebook(copy, "very-vic") == pytest.approx(AUTO)  # 9 days late: still too late


def test_extensions_are_listed_with_the_deadline_they_give(graded):
    listed = list_extensions(graded["course"])
    assert [(e.student, e.stage, e.days) for e in listed] == [("ext-eve", STAGE, 2.0)]
    assert listed[0].deadline == dt.datetime(2026, 3, 4, 11, 0, tzinfo=UTC)
    assert listed[0].handed_in == dt.datetime(2026, 3, 4, 10, 0, tzinfo=UTC) and listed[0].late_penalty == 0.0


def test_a_students_schedule_has_their_extension_deadline_and_last_accepted_moment(graded):
    eve = {d.stage: d for d in student_schedule("ext-eve", graded["course"])}
    lee = {d.stage: d for d in student_schedule("late-lee", graded["course"])}
    assert eve[STAGE].due == DUE and eve[STAGE].extension == dt.timedelta(days=2)
    assert eve[STAGE].deadline == dt.datetime(2026, 3, 4, 11, 0, tzinfo=UTC)
    assert eve[STAGE].last_accepted == dt.datetime(2026, 3, 11, 11, 0, tzinfo=UTC)
    assert lee[STAGE].extension is None and lee[STAGE].deadline == DUE
    assert lee["01_vanilla_gradients"].due is None and lee["01_vanilla_gradients"].last_accepted is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        eve[STAGE].due = None


def test_the_lms_exports_count_points_after_the_penalty_and_say_how_late(copy, tmp_path):
    from nbgrader.api import Gradebook

    from utils.instructor.results.export_canvas import CanvasExportPlugin
    from utils.instructor.results.export_moodle import MoodleExportPlugin

    for student in HANDED_IN:
        grade_written_answers(copy, student, 0.0)  # final grades: the exports leave pending ones empty
    with Gradebook(copy.db_url) as gradebook:
        CanvasExportPlugin(to=str(tmp_path / "canvas.csv"), course_root=str(copy.root)).export(gradebook)
        MoodleExportPlugin(to=str(tmp_path / "moodle.csv"), course_root=str(copy.root),
                           assignment=[STAGE]).export(gradebook)
    with open(tmp_path / "canvas.csv", newline="") as handle:
        canvas = {row["SIS User ID"]: row for row in csv.DictReader(handle)}
    assert (canvas["late-lee"][STAGE], canvas["ext-eve"][STAGE], canvas["very-vic"][STAGE]) == ("4", "5", "0")
    with open(tmp_path / "canvas_late.csv", newline="") as handle:
        late = {row["SIS User ID"]: row for row in csv.DictReader(handle)}
    assert set(late) == {"late-lee", "very-vic"}
    assert (late["late-lee"]["late penalty"], late["late-lee"]["points before penalty"],
            late["late-lee"]["after last accepted moment"]) == ("1", "5", "no")
    assert late["very-vic"]["after last accepted moment"] == "yes" and late["very-vic"]["points"] == "0"
    with open(tmp_path / "moodle.csv", newline="") as handle:
        moodle = {row["Identifier"]: row for row in csv.DictReader(handle)}
    lee = moodle["Participant late-lee"]
    assert lee["Grade"] == "4"
    assert lee["Feedback comments"] == ("4 of 7 points. Handed in 1 day 30 min after your deadline: 1 point off "
                                        "(late penalty).")
    assert lee["Status"].startswith("late: 1 day 30 min after the deadline")
    assert "after the last accepted moment" in moodle["Participant very-vic"]["Feedback comments"]


def test_the_class_report_lists_late_hand_ins_and_flags_the_one_too_late(graded):
    from utils.instructor.results.class_report import build_class_report
    from utils.instructor.results.report_page import render_html

    report = build_class_report(graded["course"])
    stage = next(s for s in report.stages if s.stage == STAGE)
    assert [(late.student, late.penalty, late.past_last_accepted) for late in stage.late] == [
        ("very-vic", AUTO, True), ("late-lee", 0.2 * AUTO, False)]
    assert report.past_last_accepted == [(STAGE, "very-vic")]
    html = render_html(report)
    assert "Late hand-ins" in html and "Handed in after the last accepted moment" in html
    assert "due 2026-03-02 11:00 UTC" in html
