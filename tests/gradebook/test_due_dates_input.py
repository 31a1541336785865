"""Due dates, extensions and the late policy without a kernel: schedule.csv read and refused, the policy's formula,
bad extension calls answered with what to pass, and collect dating Canvas hand-ins from Canvas's late_ mark.

Every expected penalty is written out from the policy's numbers; no kernel starts here (tests/results/test_due_dates.py
grades notebooks)."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil

import pytest
from traitlets import TraitError

from tests.intake.test_collect_lms import release, write
from tests.results.test_grades_status import S1, build_gradebook
from utils.instructor.__main__ import main
from utils.instructor.gradebook.extensions import BadDays, UnknownStage, UnknownStudent, grant_extension, parse_days
from utils.instructor.gradebook.late_policy import CourseLatePolicy
from utils.instructor.intake.collect import collect
from utils.instructor.intake.schedule import student_schedule
from utils.instructor.paths import REPOSITORY, Course, stages
from utils.instructor.prepare.schedule import ScheduleError, parse_moment, read_schedule

UTC = dt.timezone.utc
DAY = 86400


def quiet(*_):
    pass


# --- schedule.csv ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, utc", [
    ("2026-10-12 23:59 Europe/Berlin", dt.datetime(2026, 10, 12, 21, 59, tzinfo=UTC)),   # summer time, UTC+2
    ("2026-12-01 23:59 Europe/Berlin", dt.datetime(2026, 12, 1, 22, 59, tzinfo=UTC)),    # winter time, UTC+1
    ("2026-10-12T23:59+02:00", dt.datetime(2026, 10, 12, 21, 59, tzinfo=UTC)),
    ("2026-10-12T23:59:30-0500", dt.datetime(2026, 10, 13, 4, 59, 30, tzinfo=UTC)),
    ("2026-10-12T23:59Z", dt.datetime(2026, 10, 12, 23, 59, tzinfo=UTC)),
    ("2026-10-12 23:59 UTC", dt.datetime(2026, 10, 12, 23, 59, tzinfo=UTC)),
    ("2026-10-12 23:59 America/New_York", dt.datetime(2026, 10, 13, 3, 59, tzinfo=UTC)),
])
def test_a_due_date_is_read_in_its_own_time_zone(text, utc):
    assert parse_moment(text) == utc


@pytest.mark.parametrize("text, says", [
    ("2026-10-12 23:59", "has no time zone"),
    ("2026-10-12T23:59", "has no time zone"),
    ("2026-10-12", "is not a date and time"),
    ("12/10/2026 23:59 UTC", "is not a date and time"),
    ("2026-10-12 23:59 Mars/Olympus_Mons", "unknown time zone 'Mars/Olympus_Mons'"),
    ("2026-02-30 12:00 UTC", "is not a valid date and time"),
])
def test_a_due_date_that_cannot_be_read_is_refused_saying_how_to_write_it(text, says):
    with pytest.raises(ScheduleError) as error:
        parse_moment(text)
    assert says in str(error.value) and "Europe/Berlin" in str(error.value)


def test_the_shipped_schedule_lists_every_stage_once_and_reads():
    with open(REPOSITORY / "schedule.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["stage", "due"] and [row[0] for row in rows[1:]] == list(stages())
    assert set(read_schedule(REPOSITORY / "schedule.csv")) == set(stages())


def test_a_schedule_gives_dates_to_its_stages_and_none_to_the_others(tmp_path):
    path = tmp_path / "schedule.csv"
    path.write_text("stage,due\n02_gradient_x_input,2026-10-19T23:59+02:00\n\n01_vanilla_gradients,\n")
    due = read_schedule(path)
    assert due["02_gradient_x_input"] == dt.datetime(2026, 10, 19, 21, 59, tzinfo=UTC)
    assert due["01_vanilla_gradients"] is None and due["08_sanity_checks"] is None
    assert read_schedule(tmp_path / "missing.csv") == {stage: None for stage in stages()}


@pytest.mark.parametrize("content, says", [
    ("stage,deadline\n01_vanilla_gradients,\n", "the first line must be the header 'stage,due'"),
    ("", "the first line must be the header 'stage,due'"),
    ("stage,due\n01_vanilla_gradients,2026-10-12 23:59 UTC,late\n", "line 2 has 3 field(s)"),
    ("stage,due\n01_vanilla_gradients\n", "line 2 has 1 field(s)"),
    ("stage,due\n01_vanilla_gradients,\n09_shap,2026-10-12 23:59 UTC\n", "line 3: no stage '09_shap' in the course"),
    ("stage,due\n01_vanilla_gradients,\n01_vanilla_gradients,2026-10-12 23:59 UTC\n",
     "line 3: 01_vanilla_gradients is listed again (first on line 2)"),
    ("stage,due\n01_vanilla_gradients,2026-10-12 23:59\n",
     "line 2 (01_vanilla_gradients): '2026-10-12 23:59' has no time zone"),
])
def test_a_malformed_schedule_is_refused_naming_the_line(tmp_path, content, says):
    path = tmp_path / "schedule.csv"
    path.write_text(content)
    with pytest.raises(ScheduleError) as error:
        read_schedule(path)
    assert says in str(error.value) and str(path) in str(error.value)


# --- the late policy ---------------------------------------------------------------------------

@pytest.mark.parametrize("seconds_late, penalty", [
    (0, None),
    (1, 0.8),                   # one started day: 10 % of 8 points
    (DAY, 0.8),
    (DAY + 1, 1.6),             # two started days
    (4.5 * DAY, 4.0),           # five started days: 50 %, the cap
    (6 * DAY, 4.0),             # still the cap
    (7 * DAY, 4.0),             # the last accepted moment itself
    (7 * DAY + 1, 8.0),         # after it: the whole score
])
def test_the_penalty_is_a_share_per_started_day_capped_and_all_after_the_last_accepted_moment(seconds_late, penalty):
    policy = CourseLatePolicy(share_per_day=0.1, max_share=0.5, accepted_days_late=7.0)
    assert policy.late_submission_penalty("s", 8.0, seconds_late) == (None if penalty is None
                                                                      else pytest.approx(penalty))


def test_without_a_last_accepted_moment_every_late_hand_in_keeps_the_capped_penalty():
    policy = CourseLatePolicy(share_per_day=0.25, max_share=0.75, accepted_days_late=None)
    assert policy.late_submission_penalty("s", 4.0, 30 * DAY) == pytest.approx(3.0)
    assert policy.late_submission_penalty("s", 4.0, 2 * DAY) == pytest.approx(2.0)
    assert policy.last_accepted(dt.datetime(2026, 1, 1, tzinfo=UTC)) is None


def test_the_last_accepted_moment_is_the_deadline_plus_the_accepted_days():
    policy = CourseLatePolicy(accepted_days_late=3.5)
    assert policy.last_accepted(dt.datetime(2026, 1, 1, tzinfo=UTC)) == dt.datetime(2026, 1, 4, 12, tzinfo=UTC)


@pytest.mark.parametrize("setting, says", [
    (dict(share_per_day=1.5), "CourseLatePolicy.share_per_day is 1.5: a share of the score lies between 0 and 1"),
    (dict(max_share=-0.1), "CourseLatePolicy.max_share is -0.1"),
    (dict(accepted_days_late=-1.0), "CourseLatePolicy.accepted_days_late is -1.0: give a number of days >= 0"),
])
def test_a_policy_configured_out_of_range_is_refused(setting, says):
    with pytest.raises(TraitError) as error:
        CourseLatePolicy(**setting)
    assert says in str(error.value) and "nbgrader_config.py" in str(error.value)


# --- make extension: bad input -----------------------------------------------------------------

@pytest.mark.parametrize("days, says", [
    ("two", "DAYS='two' is not a number"),
    ("0", "DAYS='0' is not a positive number of days"),
    ("-1", "DAYS='-1' is not a positive number of days"),
    ("nan", "DAYS='nan' is not a positive number of days"),
    ("inf", "DAYS='inf' is not a positive number of days"),
    ("400", "more than 365 days"),
])
def test_days_that_are_not_a_positive_number_are_refused(days, says):
    with pytest.raises(BadDays) as error:
        parse_days(days)
    assert says in str(error.value)


def test_days_may_be_a_fraction():
    assert parse_days("1.5") == 1.5 and parse_days(2) == 2.0


@pytest.mark.parametrize("argv, says", [
    (["extension", "--stage", S1, "--days", "2"], "STUDENT missing"),
    (["extension", "--student", "alice", "--days", "2"], "STAGE missing"),
    (["extension", "--student", "alice", "--stage", S1], "DAYS missing"),
    (["extension", "--student", "alice", "--stage", S1, "--days", "-2"], "is not a positive number of days"),
    (["extension", "--student", "alice", "--stage", "01_vanilla", "--days", "2"],
     "STAGE='01_vanilla' is not a stage of the course; the stages are 01_vanilla_gradients"),
])
def test_the_command_answers_bad_input_with_what_to_pass(argv, says, capsys):
    assert main(argv) == 2
    assert says in capsys.readouterr().err


@pytest.fixture
def course(tmp_path) -> Course:
    course = Course.scratch(tmp_path / "course")
    build_gradebook(course)  # students alice..frank; stages 01 and 02 in the gradebook
    return course


def test_an_unknown_student_is_refused_naming_the_roster(course):
    with pytest.raises(UnknownStudent) as error:
        grant_extension("zoe", S1, 2, course, log=quiet)
    assert "STUDENT='zoe' is not in the gradebook" in str(error.value) and "alice" in str(error.value)
    assert "make roster" in str(error.value)
    with pytest.raises(UnknownStudent) as error:
        student_schedule("zoe", course)
    assert "no student 'zoe'" in str(error.value)


def test_an_extension_without_a_gradebook_is_refused_and_creates_none(tmp_path):
    course = Course.scratch(tmp_path / "empty")
    with pytest.raises(UnknownStudent) as error:
        grant_extension("alice", S1, 2, course, log=quiet)
    assert "no gradebook yet" in str(error.value) and not course.gradebook.exists()
    with pytest.raises(UnknownStage):
        grant_extension("alice", "1", 2, course, log=quiet)


# --- collect: Canvas hand-ins carry no time ----------------------------------------------------

ROSTER = "id,first_name,last_name,email,lms_user_id\nalice,Alice,Doe,,50123\nbob,Bob,Doe,,50124\n"


def test_canvas_hand_ins_are_dated_by_canvas_late_mark_not_by_the_download(tmp_path, course):
    from nbgrader.api import Gradebook

    from utils.instructor.gradebook.due_dates import record_due_dates
    from utils.instructor.results.grades import export_grades

    (course.root / "schedule.csv").write_text(f"stage,due\n{S1},2026-03-02 23:59 Europe/Berlin\n")
    record_due_dates(course, log=quiet)
    (tmp_path / "students.csv").write_text(ROSTER)
    download = tmp_path / "canvas"
    write(release(), download / f"doealice_late_50123_678901_{S1}.ipynb")   # downloaded now, months later
    write(release(), download / f"doebob_50124_678902_{S1}.ipynb")
    collect(download, course, log=quiet, roster=tmp_path / "students.csv")

    alice, bob = (course.submitted / student / S1 for student in ("alice", "bob"))
    assert (alice / "timestamp.txt").read_text() == "2026-03-02 22:59:01.000000 UTC"  # 1 s after the due date
    assert "Canvas marked it late" in (alice / "timestamp_note.txt").read_text()
    assert (bob / "timestamp.txt").read_text() == "2026-03-02 22:59:00.000000 UTC"    # on time: at the due date
    assert not (bob / "timestamp_note.txt").exists()

    # As autograde records it: the timestamp from timestamp.txt, 4 automatic points.
    with Gradebook(course.db_url) as gradebook:
        for student, folder in (("alice", alice), ("bob", bob)):
            gradebook.add_submission(S1, student, timestamp=(folder / "timestamp.txt").read_text())
            for grade in gradebook.find_submission_notebook(S1, S1, student).grades:
                if grade.name in ("test_a", "test_b"):
                    grade.auto_score, grade.needs_manual_grade = grade.max_score, False
        gradebook.db.commit()
    with open(export_grades(course, log=quiet), newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert float(rows["alice"][f"{S1} late penalty"]) == pytest.approx(0.4)  # the first day's 10 % of 4 points
    assert float(rows["alice"][S1]) == pytest.approx(3.6)
    assert "late: 1 s after the deadline" in rows["alice"][f"{S1} status"]
    assert "Canvas marked it late" in rows["alice"][f"{S1} status"]
    assert float(rows["bob"][f"{S1} late penalty"]) == 0.0 and float(rows["bob"][S1]) == 4.0


def test_a_student_extension_covers_a_canvas_late_mark(tmp_path, course):
    from utils.instructor.gradebook.due_dates import record_due_dates

    (course.root / "schedule.csv").write_text(f"stage,due\n{S1},2026-03-02T12:00Z\n")
    record_due_dates(course, log=quiet)
    grant_extension("alice", S1, 1, course, log=quiet)
    (tmp_path / "students.csv").write_text(ROSTER)
    write(release(), tmp_path / "canvas" / f"doealice_late_50123_678901_{S1}.ipynb")
    collect(tmp_path / "canvas", course, log=quiet, roster=tmp_path / "students.csv")
    stamp = (course.submitted / "alice" / S1 / "timestamp.txt").read_text()
    mine = next(d for d in student_schedule("alice", course) if d.stage == S1)
    assert stamp == "2026-03-02 12:00:01.000000 UTC" and mine.deadline == dt.datetime(2026, 3, 3, 12, tzinfo=UTC)


def test_a_folder_per_student_is_dated_by_its_file_time_in_utc(tmp_path, course):
    moment = dt.datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    write(release(), tmp_path / "folders" / "alice" / "homework.ipynb", mtime=moment.timestamp())
    collect(tmp_path / "folders", course, log=quiet)
    assert (course.submitted / "alice" / S1 / "timestamp.txt").read_text() == "2026-03-01 09:30:00.000000 UTC"
