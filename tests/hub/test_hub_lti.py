"""The LMS's LTI 1.3 launch into the class's hub, against the stand-in platform (``tests/lti_platform.py``).

A real hub (``tools/scratch_hub.py``, started as ``make hub`` starts it) whose course folder has an
``lti_config.py`` naming the stand-in. In headless Chromium, a student clicks the course's link in the LMS and
lands in their JupyterLab with the Assignments tab, no second login; an instructor's launch lands in formgrader.
Without a browser (``requests``, driving the same forms), each refused launch gets a page that says why and leaves
no hub user and no system account behind: an expired launch, one meant for another tool, one from an unknown
deployment, one signed by another key, one replayed, and a student the roster does not list. The hub serves the
tool's JWKS, which the LMS uses to check the tool's token requests, and records the course's service addresses.
"""

from __future__ import annotations

import html
import pwd
import re
import sqlite3
from pathlib import Path

import pytest
import requests

from tests.browser import chromium, needs_chromium
from tests.hub_fixtures import STAGE, needs_hub
from tests.lms.test_grades_to_lms import write_lti_config
from tests.lti_platform import INSTRUCTOR, LEARNER, StandInPlatform

pytestmark = [needs_hub]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DORA, EVE = "dora", "eve"          # on the roster, with their LMS ids
SUB = {DORA: "lms-user-4711", EVE: "lms-user-4712"}
OUTSIDER, TEACHER = "lms-user-9999", "lms-teacher-1"


@pytest.fixture(scope="module")
def lms_hub(tmp_path_factory):
    from utils.instructor.gradebook.students import add_or_update_students
    from utils.instructor.intake.roster import Student
    from utils.instructor.tools.scratch_hub import ScratchHub

    root = tmp_path_factory.mktemp("lti_class")
    with StandInPlatform() as platform:
        for student in (DORA, EVE):
            platform.add_person(SUB[student], student.title(), "Student", f"{student}@uni.example", roles=[LEARNER])
        platform.add_person(OUTSIDER, "Otto", "Side", "otto@uni.example", roles=[LEARNER])
        platform.add_person(TEACHER, "Tea", "Cher", "teacher@uni.example", roles=[INSTRUCTOR])
        write_lti_config(root, platform, memberships_url="", lineitems_url="")  # to be learnt from the launches
        with ScratchHub(root, students=[DORA, EVE], release=(STAGE,)) as hub:
            add_or_update_students(hub.course, [Student(s, lms_user_id=SUB[s]) for s in (DORA, EVE)])
            platform.tool_login_url = f"{hub.url}/hub/lti13/oauth_login"
            platform.redirect_uris.add(f"{hub.url}/hub/lti13/oauth_callback")
            platform.tool_jwks = f"{hub.url}/hub/lti13/jwks"   # as the LMS is told: the hub's own route
            hub.platform = platform
            yield hub


def hub_users(hub) -> set[str]:
    with sqlite3.connect(hub.root / "hub" / "jupyterhub.sqlite") as db:
        return {name for (name,) in db.execute("select name from users")}


def _form(page: str) -> tuple[str, str, dict]:
    action, method = re.search(r'<form[^>]*action="([^"]*)"[^>]*method="(\w+)"', page).groups()
    fields = dict(re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)"', page))
    return html.unescape(action), method.upper(), {k: html.unescape(v) for k, v in fields.items()}


def launch_without_browser(hub, sub: str, tamper: str | None = None, replay_with_cookies: bool = False):
    """Click the course's link in the LMS as ``sub`` and follow the launch's forms as a browser would; the hub's
    answer to the signed launch (redirects not followed)."""
    platform, session = hub.platform, requests.Session()
    if tamper:
        platform.tamper_next_launch(tamper)
    page = session.get(platform.launch_url(sub, f"{hub.url}/hub/spawn")).text
    action, method, fields = _form(page)
    to_platform = session.request(method, action, data=fields, allow_redirects=False)   # the hub's login step
    assert to_platform.status_code == 302, to_platform.text
    authorize = session.get(to_platform.headers["Location"])
    assert authorize.status_code == 200, authorize.text
    action, _, fields = _form(authorize.text)
    cookies = session.cookies.copy()
    answer = session.post(action, data=fields, allow_redirects=False)
    if replay_with_cookies:   # the same signed launch again, with the cookies the first one came with
        answer = requests.post(action, data=fields, cookies=cookies, allow_redirects=False)
    return answer


@pytest.mark.parametrize("tamper, why", [
    ("expired", "its signed launch (id_token) has expired"),
    ("wrong_audience", "it was meant for another tool"),
    ("unknown_deployment", "it comes from the deployment 'deployment-elsewhere', which lti_config.py does not list"),
    ("foreign_key", "its signature does not match your LMS's keys"),
])
def test_a_tampered_launch_is_refused_with_its_reason_and_no_user_is_made(lms_hub, tamper, why):
    users = hub_users(lms_hub)
    answer = launch_without_browser(lms_hub, SUB[EVE], tamper=tamper)
    assert answer.status_code == 403
    assert "This launch from your LMS was refused: " + why in html.unescape(answer.text)
    assert hub_users(lms_hub) == users and EVE not in users


def test_a_student_the_roster_does_not_list_is_refused_and_no_account_is_made(lms_hub):
    users = hub_users(lms_hub)
    answer = launch_without_browser(lms_hub, OUTSIDER)
    assert answer.status_code == 403
    assert "you are not on this course's class list on the hub" in html.unescape(answer.text)
    assert "make roster FROM=lms" in html.unescape(answer.text)
    assert hub_users(lms_hub) == users
    assert not any(entry.pw_gecos.startswith("xai-gradients") and entry.pw_name.startswith("lms")
                   for entry in pwd.getpwall())


def test_a_replayed_launch_logs_in_once(lms_hub):
    answer = launch_without_browser(lms_hub, SUB[EVE], replay_with_cookies=True)
    assert answer.status_code == 403
    assert "it was used already (each launch logs in once)" in html.unescape(answer.text)
    assert EVE in hub_users(lms_hub)  # the first use logged her in


def test_the_hub_serves_the_tool_keys_and_its_registration_and_learns_the_course_services(lms_hub):
    from utils.instructor.lms.service_addresses import load
    from utils.instructor.lms.tool_keys import ToolKeys

    ToolKeys.of_course(lms_hub.root).current()
    jwks = requests.get(f"{lms_hub.url}/hub/lti13/jwks").json()
    assert jwks == ToolKeys.of_course(lms_hub.root).jwks() and "d" not in jwks["keys"][0]
    config = requests.get(f"{lms_hub.url}/hub/lti13/config").json()
    assert config["public_jwk_url"] == f"{lms_hub.url}/hub/lti13/jwks"
    assert config["oidc_initiation_url"] == f"{lms_hub.url}/hub/lti13/oauth_login"
    launched = launch_without_browser(lms_hub, SUB[DORA])
    assert launched.status_code == 302
    recorded = load(lms_hub.root)
    assert recorded.memberships_url == lms_hub.platform.memberships_url
    assert recorded.lineitems_url == lms_hub.platform.lineitems_url


def test_a_key_roll_breaks_no_launch_and_the_lms_checks_the_tool_by_the_hubs_jwks(lms_hub):
    """The LMS was given the hub's JWKS URL: after a roll it finds the new key there, while launches (signed by the
    LMS's own key) go on as before; the class list is read with the course's addresses learnt from a launch."""
    from utils.instructor.lms.roster_from_lms import roster_from_lms
    from utils.instructor.lms.tool_keys import ToolKeys

    keys = ToolKeys.of_course(lms_hub.root)
    old, new = keys.current(), keys.roll()
    assert [k["kid"] for k in requests.get(f"{lms_hub.url}/hub/lti13/jwks").json()["keys"]][-2:] == [old.kid, new.kid]
    assert launch_without_browser(lms_hub, SUB[EVE]).status_code == 302
    changes = roster_from_lms(lms_hub.course, dry_run=True)
    assert lms_hub.platform.assertion_kids[-1] == new.kid      # accepted by the LMS through the hub's JWKS
    assert [s.lms_user_id for s in changes.added] == [OUTSIDER]  # the one learner the roster lacks


@needs_chromium
def test_a_student_and_an_instructor_launch_from_the_lms_in_the_browser(lms_hub):
    from utils.instructor.hub.lti_login import instructor_name

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        student = browser.new_page(viewport={"width": 1400, "height": 900})
        student.goto(lms_hub.platform.launch_url(SUB[DORA], f"{lms_hub.url}/hub/spawn"))
        student.wait_for_url(re.compile(rf"/user/{DORA}/lab"), timeout=240_000)
        student.wait_for_selector(".jp-DirListing-item", timeout=120_000)
        student.get_by_text("Nbgrader", exact=True).click()
        student.get_by_text("Assignment List", exact=True).click()
        student.locator("#released_assignments_list .list_item", has_text=STAGE).wait_for(timeout=60_000)
        student.screenshot(path=str(SCREENSHOTS / "hub_lti_launch.png"))

        teacher = browser.new_page(viewport={"width": 1400, "height": 900})
        teacher.goto(lms_hub.platform.launch_url(TEACHER, f"{lms_hub.url}/hub/spawn"))
        name = instructor_name(TEACHER)
        teacher.wait_for_url(re.compile(rf"/user/{name}/formgrader"), timeout=240_000)
        teacher.wait_for_selector("text=Manage Assignments", timeout=120_000)
        teacher.screenshot(path=str(SCREENSHOTS / "hub_lti_formgrader.png"))
        students = teacher.request.get(f"{lms_hub.url}/user/{name}/formgrader/api/students")
        assert students.ok and {DORA, EVE} <= {s["id"] for s in students.json()}  # this course's gradebook
        not_for_students = student.request.get(f"{lms_hub.url}/user/{DORA}/formgrader/api/students")
        assert not_for_students.status == 404
    assert {DORA, name} <= hub_users(lms_hub)
