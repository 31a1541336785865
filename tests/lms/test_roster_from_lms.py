"""The class list from the LMS (``make roster FROM=lms``) through Names and Role Provisioning Services, against the
stand-in platform: added, changed and left members reported, and a student with grades never deleted."""

from __future__ import annotations

import pytest

from tests.lms.test_grades_to_lms import write_lti_config
from tests.lti_platform import INSTRUCTOR, LEARNER, StandInPlatform
from utils.instructor.intake.roster import gradebook_students
from utils.instructor.lms.roster_from_lms import roster_from_lms
from utils.instructor.paths import Course


@pytest.fixture
def course(tmp_path):
    from nbgrader.api import Gradebook

    course = Course.scratch(tmp_path / "course")
    with Gradebook(course.db_url) as gb:
        gb.add_assignment("01_vanilla_gradients")
        gb.add_student("alice", first_name="Alice", last_name="Doe", email="alice@uni.example", lms_user_id="u-alice")
        gb.add_student("bob", first_name="Bob", last_name="Doe", email="bob@uni.example", lms_user_id="u-bob")
        gb.add_student("carol", first_name="Carol", last_name="Roe", email="Carol@uni.example")  # from a CSV
        gb.add_submission("01_vanilla_gradients", "alice")  # alice has handed in: her grades stay
    return course


def roster(course) -> dict:
    return {s.id: s for s in gradebook_students(course)}


def test_the_lms_members_update_the_roster_and_a_student_with_grades_is_kept(course):
    from utils.instructor.lms.tool_keys import ToolKeys

    keys = ToolKeys.of_course(course.root)
    with StandInPlatform(tool_jwks=keys.jwks, page_size=2) as platform:  # pages of 2: the Link header is followed
        write_lti_config(course.root, platform)
        platform.add_person("u-alice", "Alice", "Anders", "alice@uni.example", roles=[LEARNER])
        platform.add_person("u-carol", "Carol", "Roe", "carol@uni.example", roles=[LEARNER])
        platform.add_person("u-dan", "Dan", "Poe", "dan.poe@uni.example", roles=[LEARNER])
        platform.add_person("u-teach", "Tea", "Cher", "teach@uni.example", roles=[INSTRUCTOR])

        dry = roster_from_lms(course, dry_run=True)
        assert [s.id for s in dry.added] == ["dan.poe"] and set(roster(course)) == {"alice", "bob", "carol"}

        changes = roster_from_lms(course)
        assert [(s.id, s.lms_user_id, s.email) for s in changes.added] == [("dan.poe", "u-dan", "dan.poe@uni.example")]
        assert [(a.id, a.last_name, a.lms_user_id) for _, a in changes.changed] == [
            ("alice", "Anders", "u-alice"), ("carol", "Roe", "u-carol")]
        assert [s.id for s in changes.left] == ["bob"] and changes.left_with_grades == []
        after = roster(course)
        assert set(after) == {"alice", "carol", "dan.poe"}     # bob had handed nothing in: taken off
        assert after["carol"].lms_user_id == "u-carol" and after["alice"].last_name == "Anders"
        assert "u-teach" not in {s.lms_user_id for s in after.values()}  # instructors are not students

        platform.remove_person("u-alice")
        changes = roster_from_lms(course)
        assert [s.id for s in changes.left_with_grades] == ["alice"] and "alice" in roster(course)
        assert roster_from_lms(course).added == []            # a second run: nothing new


def test_the_roster_command_says_the_lms_is_unreachable_and_changes_nothing(course, capsys, monkeypatch):
    from types import SimpleNamespace

    from utils.instructor.commands import roster as command
    from utils.instructor.lms.tool_keys import ToolKeys

    keys = ToolKeys.of_course(course.root)
    with StandInPlatform(tool_jwks=keys.jwks) as platform:
        write_lti_config(course.root, platform)
        platform.token_down = True
        monkeypatch.setattr("utils.instructor.paths.Course", lambda: course)  # the command works on the course here
        assert command.run(SimpleNamespace(csv=None, from_lms=True, dry_run=False)) == 2
        assert "roster: the roster is unchanged: reading the class list from the LMS: the LMS answered 503" in \
            capsys.readouterr().err
        assert set(roster(course)) == {"alice", "bob", "carol"}


def test_without_an_lms_in_lti_config_the_command_names_the_settings_to_fill_in(course):
    from utils.instructor.lms.platform_settings import LtiNotConfigured

    (course.root / "lti_config.py").write_text("c = get_config()\nc.LtiPlatform.issuer = 'https://lms.example'\n")
    with pytest.raises(LtiNotConfigured, match="c.LtiPlatform.client_id, c.LtiPlatform.token_url in lti_config.py"):
        roster_from_lms(course)
