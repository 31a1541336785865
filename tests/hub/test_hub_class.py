"""A stage from fetch to feedback on the class's hub, in a real browser.

A real hub (``tools/scratch_hub.py``: started as ``make hub`` starts it) with stage 01 released and
due on a known date. In headless Chromium a student signs up and logs in through the hub's pages,
lands in JupyterLab, opens the Assignments tab, sees stage 01 and its due date, fetches it, fills in
the exercise, validates and submits; the instructor collects, autogrades and releases feedback
(``make collect``, ``make autograde``, ``make feedback``); the student fetches the feedback in the
Assignments tab and reads the score. Screenshots: ``docs/screenshots/hub_*.png``.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest

from tests.browser import chromium, needs_chromium
from tests.course.test_lab import NEWS_PROMPT
from tests.hub_fixtures import STAGE, fill_in_stage01, needs_hub, stage_max_score, stage_score

pytestmark = [needs_hub, needs_chromium]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CAROL = f"carol{secrets.token_hex(3)}"
DUE = "2027-01-15 23:59 Europe/Berlin"        # 22:59 UTC in winter
DUE_SHOWN = "Fri 15 Jan 2027 22:59 UTC"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    from utils.instructor.tools.scratch_hub import ScratchHub

    root = tmp_path_factory.mktemp("class")
    (root / "schedule.csv").write_text(f"stage,due\n{STAGE},{DUE}\n")
    with ScratchHub(root, students=[CAROL], release=(STAGE,)) as running:
        yield running


def _assignments_tab(page):
    page.get_by_text("Nbgrader", exact=True).click()
    page.get_by_text("Assignment List", exact=True).click()
    page.wait_for_selector("#released_assignments_list, #fetched_assignments_list", timeout=60_000)


def _row(page, list_id: str):
    return page.locator(f"#{list_id} .list_item:not(.nested_list_item)", has_text=STAGE)


def test_a_student_walks_a_stage_from_fetch_to_feedback_in_the_browser(hub):
    from utils.instructor.grading.host.autograde import autograde_all
    from utils.instructor.hub.class_release import release_feedback_to_class
    from utils.instructor.hub.exchange import ClassExchange
    from utils.instructor.hub.settings import hub_settings
    from utils.instructor.intake.collect import collect
    from utils.instructor.results.feedback import generate_feedback

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    quiet = lambda *args: None  # noqa: E731
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{hub.url}/hub/signup")
        page.fill("input[name=username]", CAROL)
        page.fill("input[name=email]", f"{CAROL}@uni.example")
        page.fill("input[name=signup_password]", "a-long-class-password-7")
        page.fill("input[name=signup_password_confirmation]", "a-long-class-password-7")
        page.get_by_role("button", name=re.compile("create user", re.I)).click()
        assert "Your password is set" in page.inner_text(".alert")

        page.goto(f"{hub.url}/hub/login")
        page.fill("input[name=username]", CAROL)
        page.fill("input[name=password]", "a-long-class-password-7")
        page.screenshot(path=str(SCREENSHOTS / "hub_login.png"))
        page.click("#login_submit")
        page.wait_for_url(re.compile(rf"/user/{CAROL}/lab"), timeout=240_000)
        page.wait_for_selector(".jp-DirListing-item", timeout=120_000)

        page.get_by_text("DUE_DATES.md").dblclick()
        page.wait_for_selector(f"text={DUE_SHOWN}", timeout=60_000)
        page.screenshot(path=str(SCREENSHOTS / "hub_due_dates.png"))
        _assignments_tab(page)
        _row(page, "released_assignments_list").wait_for(timeout=60_000)
        assert page.get_by_text(NEWS_PROMPT).count() == 0  # the course's JupyterLab settings reach the hub's servers
        page.screenshot(path=str(SCREENSHOTS / "hub_assignments.png"))
        _row(page, "released_assignments_list").get_by_role("button", name="Fetch").click()
        _row(page, "fetched_assignments_list").wait_for(timeout=60_000)

        student = hub.student(CAROL)  # the same student filling in the exercise (as typing in the notebook)
        student.log_in()
        fill_in_stage01(student)

        fetched = _row(page, "fetched_assignments_list")
        fetched.locator("a.assignment-notebooks-link").click()  # shows the stage's notebooks, each with Validate
        fetched.locator("button", has_text="Validate").first.click()
        page.wait_for_selector("text=/passes all the tests|Success/i", timeout=300_000)
        page.screenshot(path=str(SCREENSHOTS / "hub_validated.png"))
        page.keyboard.press("Escape")
        fetched.get_by_role("button", name="Submit").click()
        _row(page, "submitted_assignments_list").wait_for(timeout=60_000)

        report = collect(None, hub.course, exchange=ClassExchange(hub.root / "exchange"), log=quiet)
        assert (CAROL, STAGE) in report.collected, report.summary()
        assert [r.ok for r in autograde_all(hub.course, only_student=CAROL, log=quiet)] == [True]
        score, most = stage_score(hub.course, CAROL), stage_max_score(hub.course, CAROL)
        assert 0 < score < most  # the exercises' points; the written answers wait for the instructor
        assert generate_feedback(hub.course, log=quiet)
        release_feedback_to_class([STAGE], hub_settings(hub.root), log=quiet)

        page.locator("#refresh_assignments_list").click()
        submitted = _row(page, "submitted_assignments_list")
        submitted.get_by_role("button", name="Fetch Feedback").click()
        page.wait_for_selector("text=/view feedback/i", timeout=60_000)
        page.screenshot(path=str(SCREENSHOTS / "hub_feedback_fetched.png"))

        listing = student.server_api("GET", f"api/contents/{STAGE}/feedback").json()["content"]
        stamp = listing[0]["name"]
        page.goto(student.server_url(f"files/{STAGE}/feedback/{stamp}/{STAGE}.html"))
        text = page.inner_text("body")
        page.screenshot(path=str(SCREENSHOTS / "hub_feedback.png"), full_page=False)
        assert f"{STAGE} (Score: {score:.1f} / {most:.1f})" in text
