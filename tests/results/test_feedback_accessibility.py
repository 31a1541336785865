"""Every student can read their feedback page, and every instructor the class report: axe-core's WCAG 2.1 A and AA
audit (tests/axe_audit.py) finds no violation on either, in headless Chromium.

The feedback page is made by the real ``nbgrader generate_feedback`` with the course's configuration from a
notebook graded by hand (tests/hand_graded.py: no kernel runs), with a late penalty and a grader's comment so
that every part of nbgrader's page is there. The class report is written by ``write_report`` (what ``make
report`` writes) from a class built by hand whose report shows every part of the page: frequent mistakes,
histograms, tests, stubs, notebooks not graded, an unreadable hand-in, similar hand-ins side by side, and a stage
without hand-ins. Beyond the elements on these pages, every colour the code highlighter can give a token is
checked against the background code lies on, since a student's code may hold tokens this page does not.
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest

from utils.instructor.cells import grade_id, is_test
from utils.instructor.record.notebook_report import NotebookReport
from utils.instructor.record.state import State
from utils.instructor.record.verdict import Verdict
from utils.instructor.paths import Course, source_notebook
from utils.instructor.results.class_report import build_class_report
from utils.instructor.results.feedback import generate_feedback
from utils.instructor.results.grades import NOT_AUTOGRADED, NOT_SUBMITTED, UNREADABLE, ClassGrades, StageGrade, \
    StudentGrades
from utils.instructor.results.report_page import write_report
from utils.instructor.tools.demo_class import make_submission

from tests.axe_audit import CHROMIUM, INSTALL_CHROMIUM, audit, described
from tests.browser import chromium
from tests.hand_graded import STAGE, STUDENT, figure_png, hand_graded_course

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason=INSTALL_CHROMIUM)

OTHER_STAGE = "02_gradient_x_input"
#: WCAG 2.1's minimum contrast for normal text (1.4.3, level AA).
AA_CONTRAST = 4.5


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def feedback_page(tmp_path_factory):
    course = hand_graded_course(tmp_path_factory.mktemp("feedback") / "course", [figure_png(0)], late_penalty=1.0,
                                comment="Keep the **sign** of the gradient: $\\partial y_c / \\partial x$.")
    [page] = generate_feedback(course, log=lambda *_: None)
    return page


@pytest.fixture(scope="module")
def class_report_page(tmp_path_factory):
    course = Course.scratch(tmp_path_factory.mktemp("report") / "course")
    kinds = {"ada": "softmax", "bob": "softmax_again", "cyd": "own_style", "dan": "renamed_copy", "eve": "stub",
             "ivy": "stub", "fay": "correct", "gil": "correct"}
    for student, kind in kinds.items():
        make_submission(kind, course.submitted / student / STAGE)
    tests = [grade_id(c) for c in nbformat.read(source_notebook(STAGE), 4).cells if is_test(c)]
    outcome = {"ada": ("wrong", "probability"), "bob": ("wrong", "probability"), "eve": ("stub", None),
               "ivy": ("stub", None)}
    status = {student: {STAGE: {"ok": True, **NotebookReport(sandbox=True, verdicts=tuple(
        Verdict(test, *outcome.get(student, ("passed", None))) for test in tests)).as_status()}}
        for student in ("ada", "bob", "cyd", "dan", "eve", "ivy")}
    course.grading_status.write_text(json.dumps(status))
    scores = {"ada": 2.0, "bob": 2.0, "cyd": 6.0, "dan": 6.0, "eve": 0.0, "ivy": 0.0, "fay": 6.0}
    students = [StudentGrades(s, s.title(), "Student", stages={STAGE: StageGrade(p, State.GRADED),
                                                               OTHER_STAGE: StageGrade(0.0, NOT_SUBMITTED)})
                for s, p in scores.items()]
    students.append(StudentGrades("gil", stages={STAGE: StageGrade(0.0, NOT_AUTOGRADED),
                                                  OTHER_STAGE: StageGrade(0.0, NOT_SUBMITTED)}))
    students.append(StudentGrades("hal", stages={stage: StageGrade(0.0, UNREADABLE,
                                                                   unreadable=(("hal.ipynb", "invalid JSON"),))
                                                 for stage in (STAGE, OTHER_STAGE)}))
    grades = ClassGrades([STAGE, OTHER_STAGE], {STAGE: 6.0, OTHER_STAGE: 6.0}, {STAGE: 2.0, OTHER_STAGE: 2.0},
                         students)
    report = build_class_report(course, names=True, grades=grades)
    shown = report.stages[0]
    assert report.top_mistakes and shown.mistakes and shown.stubbed and shown.ungraded and shown.pairs, \
        "the hand-built class should show every part of the report"
    assert report.unreadable and shown.without_verdicts == ["fay"] and not report.stages[1].scores
    return write_report(report, course.reports, names=True)[0]


def open_page(browser, path):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page


def test_the_feedback_page_passes_the_wcag_21_aa_audit(browser, feedback_page):
    page = open_page(browser, feedback_page)
    results = audit(page)
    assert results["testEngine"]["name"] == "axe-core"
    assert results["violations"] == [], "\n" + described(results["violations"])
    passed = {rule["id"] for rule in results["passes"]}
    assert {"color-contrast", "html-has-lang", "image-alt"} <= passed, "the audit should have checked these"
    assert page.evaluate("document.documentElement.lang") == "en"
    # the parts of nbgrader's page that failed before are on it: prompts, highlighted keywords, headers' links
    for selector in (".prompt", ".input_area pre .k, .input_area pre .ow", ".panel-heading a", ".late-penalty",
                     ".panel-footer"):
        assert page.locator(selector).count() > 0, selector
    page.close()


def test_the_class_report_passes_the_wcag_21_aa_audit(browser, class_report_page):
    page = open_page(browser, class_report_page)
    results = audit(page)
    assert results["violations"] == [], "\n" + described(results["violations"])
    assert "color-contrast" in {rule["id"] for rule in results["passes"]}
    for selector in ("img", "mark", ".note", ".muted", ".bar"):
        assert page.locator(selector).count() > 0, selector
    page.close()


def luminance(rgb) -> float:
    """WCAG 2.1's relative luminance of an sRGB colour given as three 0-255 values."""
    linear = [c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def rgb(hex_colour: str) -> tuple:
    """``'A2F'`` or ``'AA22FF'`` (CSS's short and long forms) as three 0-255 values."""
    if len(hex_colour) == 3:
        hex_colour = "".join(c * 2 for c in hex_colour)
    return tuple(int(hex_colour[i:i + 2], 16) for i in (0, 2, 4))


def contrast(a, b) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_is_computed_as_wcag_defines_it():
    assert contrast((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert contrast((0x76, 0x76, 0x76), (255, 255, 255)) == pytest.approx(4.54, abs=0.01)  # the usual AA grey
    assert contrast(rgb("888"), (255, 255, 255)) == pytest.approx(3.54, abs=0.01)  # axe's figure for #888 on white
    assert contrast(rgb("A2F"), rgb("f7f7f7")) == pytest.approx(4.47, abs=0.01)  # and for #aa22ff on #f7f7f7


def test_every_colour_of_the_code_highlighter_reads_on_the_code_background(browser, feedback_page):
    """The page carries a colour for every token kind the highlighter knows; each must reach 4.5:1 on the
    background the code lies on, whether or not this notebook has such a token."""
    page = open_page(browser, feedback_page)
    background = page.eval_on_selector(".input_area pre", "pre => getComputedStyle(pre).backgroundColor")
    page.close()
    code_background = tuple(int(v) for v in re.findall(r"\d+", background)[:3])
    html = feedback_page.read_text(encoding="utf-8")
    colours = dict(re.findall(r"\.highlight \.(\w+) \{[^}]*?(?<![-\w])color: #([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})\b",
                              html))
    colours.pop("w", None)  # whitespace: no glyph to read
    assert len(colours) > 40, "the page should carry the highlighter's colours"
    assert colours["ow"].upper() in ("A2F", "AA22FF"), "Pygments' default style colours 'in', 'and', 'not' so"
    weak = {token: round(contrast(rgb(c), code_background), 2) for token, c in colours.items()}
    weak = {token: ratio for token, ratio in weak.items() if ratio < AA_CONTRAST}
    assert weak == {}, f"token colours under {AA_CONTRAST}:1 on {background}: {weak}"
