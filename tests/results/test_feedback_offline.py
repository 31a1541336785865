"""Feedback pages that open offline: math as MathML without MathJax or any CDN, long messages whole and
wrapped, small pages (shrunk figures, no Bootstrap), hidden tests still hidden.

The graded notebook is made by hand (tests/hand_graded.py: as ``nbgrader autograde`` leaves it, its grades entered
with nbgrader's Gradebook API): no kernel runs. Then the real ``nbgrader generate_feedback`` runs through
``generate_feedback`` with the course's configuration.
"""

from __future__ import annotations

import base64
import html as htmllib
import re

import pytest

from utils.instructor.results.feedback import generate_feedback
from utils.instructor.results.feedback_images import shrink_png
from utils.instructor.results.feedback_math import offline_math

from tests.hand_graded import LONG_MESSAGE, STAGE, STUDENT, figure_png, hand_graded_course

HIDDEN = re.compile(r"BEGIN HIDDEN TESTS|END HIDDEN TESTS|from utils\.recording import record\b|record\(\"test_")
CDN = re.compile(r"cdnjs|jsdelivr|unpkg|googleapis|mathjax", re.I)


@pytest.fixture(scope="module")
def feedback(tmp_path_factory):
    figures = [figure_png(seed) for seed in range(3)]
    course = hand_graded_course(tmp_path_factory.mktemp("feedback") / "course", figures)
    said = []
    made = generate_feedback(course, log=said.append)
    page = course.feedback / STUDENT / STAGE / f"{STAGE}.html"
    return dict(course=course, made=made, page=page, html=page.read_text(encoding="utf-8"), figures=figures,
                log="\n".join(said))


def page_text(html: str) -> str:
    return htmllib.unescape(re.sub(r"<[^>]+>", "", html))


def test_one_page_per_graded_notebook(feedback):
    assert feedback["made"] == [feedback["page"]]
    assert "1 of 1 students" in feedback["log"]


def test_math_is_mathml_and_nothing_is_loaded_from_the_network(feedback):
    html = feedback["html"]
    assert "<math" in html and "<mfrac>" in html, "the stage's formulas should be MathML"
    assert not CDN.search(html), CDN.search(html).group(0)
    assert not re.search(r"<script[^>]*\bsrc=", html) and not re.search(r"<link[^>]*\bhref=\"?https?:", html)
    text = page_text(html)
    assert "\\frac" not in text and "\\partial" not in text and "$$" not in text, "raw LaTeX left on the page"


def test_a_long_message_is_whole_and_wraps(feedback):
    assert LONG_MESSAGE in page_text(feedback["html"])
    assert "white-space: pre-wrap" in feedback["html"]


def test_hidden_tests_stay_hidden(feedback):
    leak = HIDDEN.search(page_text(feedback["html"]))
    assert not leak, leak.group(0)
    assert "test_vanilla_gradients_hidden_imagenet" in feedback["html"]


def test_the_page_is_small_and_its_figures_shrunk(feedback):
    html = feedback["html"]
    embedded = [base64.b64decode(b) for b in re.findall(r'src="data:image/png;base64,([^"]+)"', html)]
    assert len(embedded) == 3
    original = sum(len(png) for png in feedback["figures"])
    assert sum(len(png) for png in embedded) < 0.6 * original
    assert "Bootstrap v3" not in html
    # Without the figures the page is the notebook's own text: well under 100 kB.
    assert len(html.encode()) - sum(len(base64.b64encode(p)) for p in embedded) < 100_000


def test_offline_math_leaves_code_alone_and_keeps_unreadable_tex():
    page = "<p>cost $5 and $x^2$</p><pre>echo $HOME $PATH</pre><code>$a$</code><p>$\\notacommand{$</p>"
    out = offline_math(page)
    assert "<pre>echo $HOME $PATH</pre>" in out and "<code>$a$</code>" in out
    assert out.count("<math") == 1 and "<msup>" in out
    assert offline_math("<p>\\[ \\frac{a}{b} \\]</p>").count("<mfrac>") == 1


def test_shrink_png_keeps_a_picture_that_would_grow():
    tiny = figure_png(7)
    smaller = shrink_png(tiny)
    assert len(smaller) < len(tiny)
    assert shrink_png(smaller, colors=256) in (smaller, shrink_png(smaller))
