"""Feedback pages that open offline: math as MathML without MathJax or any CDN, long messages whole and
wrapped, small pages (shrunk figures, no Bootstrap), hidden tests still hidden, one archive per student.

The graded notebook is made by hand, as ``nbgrader autograde`` leaves it (the release notebook, its test
cells restored from the source with their hidden lines, the judge's verdicts as error outputs, figures
as PNG outputs), and its grades are entered with nbgrader's Gradebook API: no kernel runs. Then the real
``nbgrader generate_feedback`` runs through ``generate_feedback`` with the course's configuration.
"""

from __future__ import annotations

import base64
import html as htmllib
import io
import re
import tempfile
import zipfile

import nbformat
import pytest

from utils.instructor.results.feedback import archives_folder, generate_feedback
from utils.instructor.results.feedback_images import shrink_png
from utils.instructor.results.feedback_math import offline_math
from utils.instructor.nbgrader_cli import run_nbgrader
from utils.instructor.paths import RELEASE, SOURCE, Course

STAGE = "01_vanilla_gradients"
STUDENT = "alice"
LONG_MESSAGE = ("AssertionError: vanilla_gradients on a photo you have not seen, for a class other than the predicted "
                "one, with the model handed over in train mode: the result differs from the expected one by 141.97% "
                "(relative L2 error; at most 0.10% is accepted). " * 4 + "It is the absolute value of the expected "
                "result: keep the sign. END-OF-THE-MESSAGE")
HIDDEN = re.compile(r"BEGIN HIDDEN TESTS|END HIDDEN TESTS|from utils\.recording import record\b|record\(\"test_")
CDN = re.compile(r"cdnjs|jsdelivr|unpkg|googleapis|mathjax", re.I)


def figure_png(seed: int) -> bytes:
    """A figure as the course draws them: a photo-sized signed map and its magnitude, side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    rng = np.random.default_rng(seed)
    fig, axes = plt.subplots(1, 3, figsize=(12, 4))
    smooth = np.cumsum(np.cumsum(rng.normal(size=(224, 224)), 0), 1)
    for ax, image, cmap in zip(axes, (smooth, np.abs(smooth), rng.random((224, 224, 3))), ("bwr", "hot", None)):
        ax.imshow(image, cmap=cmap)
        ax.set_title(f"map {seed}")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


def graded_notebook(figures: list) -> nbformat.NotebookNode:
    """The release notebook as autograde leaves it: answered, test cells restored, verdicts as outputs."""
    source = {c.metadata.get("nbgrader", {}).get("grade_id"): c
              for c in nbformat.read(SOURCE / STAGE / f"{STAGE}.ipynb", 4).cells}
    nb = nbformat.read(RELEASE / STAGE / f"{STAGE}.ipynb", 4)
    count = 0
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "markdown" and grade_id and grade_id.startswith("question_"):
            cell.source = "Because the gradient $\\partial y_c / \\partial x$ is local, it is noisy."
        if cell.cell_type != "code":
            continue
        count += 1
        cell.execution_count, cell.outputs = count, []
        if grade_id == "vanilla_gradients":
            cell.source = "def vanilla_gradients(model, x, target):\n    return x.grad.abs()"
        if grade_id and grade_id.startswith("test_"):
            cell.source = source[grade_id].source  # nbgrader puts the hidden tests back
            cell.outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue=LONG_MESSAGE[16:],
                                                   traceback=[LONG_MESSAGE])]
        if grade_id == "setup":
            cell.outputs = [nbformat.v4.new_output("display_data", data={
                "image/png": base64.b64encode(png).decode(), "text/plain": "<Figure size 1200x400 with 3 Axes>"})
                for png in figures]
    return nb


def record_grades(course: Course) -> None:
    """What autograding records: the stage's cells (generate_assignment), the submission and its automatic
    scores; both written answers are answered, so they wait to be graded by hand."""
    with tempfile.TemporaryDirectory() as scratch:
        run_nbgrader("generate_assignment", STAGE, "--force", *course.nbgrader_args(),
                     f"--CourseDirectory.release_directory={scratch}")
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gb:
        gb.update_or_create_student(STUDENT)
        gb.add_submission(STAGE, STUDENT)
        for grade in gb.find_submission(STAGE, STUDENT).notebooks[0].grades:
            if grade.name.startswith("test_"):
                grade.auto_score, grade.needs_manual_grade = 0.0, False
        gb.db.commit()


@pytest.fixture(scope="module")
def feedback(tmp_path_factory):
    course = Course.scratch(tmp_path_factory.mktemp("feedback") / "course")
    figures = [figure_png(seed) for seed in range(3)]
    nb = graded_notebook(figures)
    for folder in (course.submitted, course.autograded):
        (folder / STUDENT / STAGE).mkdir(parents=True)
        nbformat.write(nb, str(folder / STUDENT / STAGE / f"{STAGE}.ipynb"))
    record_grades(course)
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


def test_one_archive_per_student_with_their_pages(feedback):
    course = feedback["course"]
    archive = archives_folder(course) / f"{STUDENT}.zip"
    with zipfile.ZipFile(archive) as zipped:
        assert zipped.namelist() == [f"{STAGE}/{STAGE}.html"]
        assert zipped.read(f"{STAGE}/{STAGE}.html") == feedback["page"].read_bytes()
    assert f"feedback_archives/{STUDENT}.zip" in feedback["log"]


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
