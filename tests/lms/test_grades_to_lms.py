"""Final grades reach the LMS's gradebook through LTI Assignment and Grade Services (``make export FORMAT=lti``),
against the stand-in platform: exactly the final scores, one line item per stage, nothing sent twice, and a failure
that loses nothing."""

from __future__ import annotations

import csv
import shutil
from types import SimpleNamespace

import pytest

from tests.lti_platform import LEARNER, StandInPlatform
from tests.results.test_grades_status import S1, S2, autograde, grade_by_hand
from tests.results.test_lms_export import pending_final_and_missing
from utils.instructor.lms.tool_keys import ToolKeys
from utils.instructor.paths import Course
from utils.instructor.results.export_lti import LtiExportPlugin, ScoresNotSent

STUDENTS = {"alice": "u-alice", "bob": "u-bob", "carol": None}


def write_lti_config(root, platform: StandInPlatform, **more) -> None:
    settings = {**dict(issuer=platform.issuer, client_id=platform.client_id, deployment_ids=[platform.deployment_id],
                       authorize_url=platform.authorize_url, token_url=platform.token_url, jwks_url=platform.jwks_url,
                       memberships_url=platform.memberships_url, lineitems_url=platform.lineitems_url), **more}
    (root / "lti_config.py").write_text("c = get_config()\n" + "".join(
        f"c.LtiPlatform.{name} = {value!r}\n" for name, value in settings.items()))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The export tests' class (``pending_final_and_missing``) with LMS ids for alice and bob, and carol graded on
    stage 02 though the roster has no LMS id for her."""
    course = Course.scratch(tmp_path_factory.mktemp("lti") / "course")
    pending_final_and_missing(course, lms_ids=(STUDENTS["alice"], STUDENTS["bob"], ""))
    autograde(course, "carol", S2, {"test_c": 2.0})
    return course


@pytest.fixture
def lms(graded, tmp_path):
    """A copy of the graded course connected to a fresh stand-in LMS whose course has alice and bob."""
    shutil.copytree(graded.root, tmp_path / "course", symlinks=True)
    course = Course(tmp_path / "course")
    keys = ToolKeys.of_course(course.root)
    with StandInPlatform(tool_jwks=keys.jwks) as platform:
        for sub, name in (("u-alice", "Alice"), ("u-bob", "Bob")):
            platform.add_person(sub, name, "Doe", f"{name.lower()}@uni.example", roles=[LEARNER])
        write_lti_config(course.root, platform)
        yield SimpleNamespace(course=course, platform=platform, keys=keys)


def send(course, to=None, **options):
    from nbgrader.api import Gradebook

    to = to or course.root / "lti_scores.csv"
    plugin = LtiExportPlugin(to=str(to), course_root=str(course.root), **options)
    with Gradebook(course.db_url) as gb:
        plugin.export(gb)
    return {(row["student_id"], row["stage"]): row for row in csv.DictReader(open(to))}


def received(platform) -> dict:
    """(stage, user) -> (scoreGiven, scoreMaximum, activityProgress) of every score the LMS accepted."""
    stage_of = {item_id: item["resourceId"] for item_id, item in platform.line_items.items()}
    return {(stage_of[item_id], score["userId"]): (score["scoreGiven"], score["scoreMaximum"],
                                                   score["activityProgress"])
            for item_id, score in platform.scores}


def test_exactly_the_final_scores_reach_the_lms_on_one_line_item_per_stage(lms):
    report = send(lms.course)
    assert received(lms.platform) == {(S1, "u-bob"): (5.5, 6.0, "Completed"),
                                      (S2, "u-alice"): (3.0, 3.0, "Completed"),
                                      (S2, "u-bob"): (0.0, 3.0, "Initialized")}   # not handed in: a final 0
    items = sorted((item["resourceId"], item["scoreMaximum"], item["label"]) for item in lms.platform.line_items.values())
    assert items == [(S1, 6.0, S1), (S2, 3.0, S2)]
    assert report[("alice", S1)]["outcome"] == "not_final" and "pending manual grading" in report[("alice", S1)]["why"]
    assert report[("carol", S2)]["outcome"] == "no_lms_id" and "make roster FROM=lms" in report[("carol", S2)]["why"]
    assert {key for key, row in report.items() if row["outcome"] == "sent"} == {
        ("bob", S1), ("alice", S2), ("bob", S2)}
    for _, score in lms.platform.scores:
        assert score["gradingProgress"] == "FullyGraded" and "." in score["timestamp"]


def test_a_second_run_sends_nothing_and_a_changed_grade_alone_is_sent(lms):
    send(lms.course)
    before = len(lms.platform.scores)
    report = send(lms.course)
    assert len(lms.platform.scores) == before and len(lms.platform.line_items) == 2  # found again, not made anew
    assert {row["outcome"] for row in report.values()} == {"unchanged", "not_final", "no_lms_id"}
    grade_by_hand(lms.course, "alice", "question_noise", 1.0)
    grade_by_hand(lms.course, "alice", "question_signed", 1.0)
    send(lms.course)
    assert [(score["userId"], score["scoreGiven"]) for _, score in lms.platform.scores[before:]] == [("u-alice", 6.0)]


def test_a_dry_run_says_what_would_be_sent_and_sends_nothing(lms):
    report = send(lms.course, dry_run=True)
    assert lms.platform.scores == [] and lms.platform.line_items == {}
    assert {key for key, row in report.items() if row["outcome"] == "would_send"} == {
        ("bob", S1), ("alice", S2), ("bob", S2)}


def test_a_refused_token_leaves_every_score_queued_and_reported_and_the_next_run_sends_them(lms):
    from utils.instructor.results.grades import class_grades

    grades_before = class_grades(lms.course)
    lms.platform.token_down = True
    with pytest.raises(ScoresNotSent, match="3 score\\(s\\) did not reach the LMS"):
        send(lms.course)
    rows = list(csv.DictReader(open(lms.course.root / "lti_scores.csv")))
    failed = [r for r in rows if r["outcome"] == "failed"]
    assert len(failed) == 3 and all("503" in r["why"] for r in failed)
    assert lms.platform.scores == [] and class_grades(lms.course) == grades_before  # the gradebook untouched
    lms.platform.token_down = False
    send(lms.course)
    assert len(received(lms.platform)) == 3


def test_a_score_the_lms_refuses_is_reported_the_others_go_and_the_next_run_sends_it(lms):
    lms.platform.reject_scores_for = {"u-bob"}
    with pytest.raises(ScoresNotSent, match="2 score"):
        send(lms.course)
    assert set(received(lms.platform)) == {(S2, "u-alice")}
    rows = {(r["student_id"], r["stage"]): r for r in csv.DictReader(open(lms.course.root / "lti_scores.csv"))}
    assert rows[("bob", S1)]["outcome"] == "failed" and "422" in rows[("bob", S1)]["why"]
    lms.platform.reject_scores_for = set()
    send(lms.course)
    assert set(received(lms.platform)) == {(S1, "u-bob"), (S2, "u-alice"), (S2, "u-bob")}
    assert len(lms.platform.scores) == 3  # alice's was not sent twice


def test_after_a_key_roll_the_new_key_signs_and_the_lms_accepts_it(lms):
    first = lms.keys.current()
    send(lms.course)
    new = lms.keys.roll()
    grade_by_hand(lms.course, "alice", "question_noise", 1.0)
    grade_by_hand(lms.course, "alice", "question_signed", 0.0)
    send(lms.course)
    assert lms.platform.assertion_kids[0] == first.kid and lms.platform.assertion_kids[-1] == new.kid
    assert received(lms.platform)[(S1, "u-alice")][0] == 5.0


def test_the_export_command_fails_with_the_reason_when_the_lms_is_down_and_succeeds_after(lms):
    from utils.instructor.commands.export import nbgrader_arguments
    from utils.instructor.nbgrader_cli import run_nbgrader

    args = SimpleNamespace(format="lti", to=str(lms.course.root / "sent.csv"), assignment=[], student=[],
                           dry_run=False)
    lms.platform.services_down = True
    done = run_nbgrader(*nbgrader_arguments(args, lms.course), check=False)
    assert done.returncode == 1
    assert "did not reach the LMS" in done.stdout + done.stderr and "Traceback" not in done.stdout + done.stderr
    lms.platform.services_down = False
    done = run_nbgrader(*nbgrader_arguments(args, lms.course), check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(received(lms.platform)) == 3


def test_the_graded_demo_class_sends_exactly_its_final_scores(graded_class, tmp_path):
    """The demo class (every kind of hand-in of stage 01, graded for real), with two students' written answers
    waiting to be graded by hand: the LMS receives exactly the final scores of stage 01 — the points each kind
    earns (``expected_scores.csv``) — on its line item with the stage's maximum, and nothing for the two."""
    from nbgrader.api import Gradebook

    from utils.instructor.gradebook.students import add_or_update_students
    from utils.instructor.intake.roster import Student
    from utils.instructor.results.grades import class_grades
    from utils.instructor.tools.demo_class import STAGE

    shutil.copytree(graded_class["course"].root, tmp_path / "course", symlinks=True)
    course = Course(tmp_path / "course")
    expected = graded_class["expected"]
    students = sorted(expected)
    pending = students[:2]
    with Gradebook(course.db_url) as gb:
        for student in pending:  # as autograde records written answers a student did answer
            for notebook in gb.find_submission(STAGE, student).notebooks:
                for grade in notebook.grades:
                    if grade.name.startswith("question_"):
                        grade.auto_score, grade.manual_score, grade.needs_manual_grade = None, None, True
        gb.db.commit()
    add_or_update_students(course, [Student(s, lms_user_id=f"u-{s}") for s in students])
    final = {s.id for s in class_grades(course).students if s.stages[STAGE].final}
    assert not final & set(pending) and len(final) >= len(students) - 4
    keys = ToolKeys.of_course(course.root)
    with StandInPlatform(tool_jwks=keys.jwks) as platform:
        for student in students:
            platform.add_person(f"u-{student}", student, "Demo", f"{student}@uni.example", roles=[LEARNER])
        write_lti_config(course.root, platform)
        send(course, assignment=[STAGE])
        assert {key: given[:2] for key, given in received(platform).items()} == {
            (STAGE, f"u-{s}"): (float(expected[s][STAGE]), 6.0) for s in final}
        assert [item["scoreMaximum"] for item in platform.line_items.values()] == [6.0]
