"""A stage-01 notebook graded by hand, as ``nbgrader autograde`` leaves it, so that the real ``nbgrader
generate_feedback`` can make its feedback page without a kernel (tests/results/test_feedback_offline.py and
tests/results/test_feedback_accessibility.py).

The graded notebook is the release notebook answered, its test cells restored from the source with their hidden
lines, the judge's verdicts as error outputs, figures as PNG outputs; its grades are entered with nbgrader's
Gradebook API, as autograding records them.
"""

from __future__ import annotations

import base64
import io
import tempfile
from pathlib import Path

import nbformat

from utils.instructor.nbgrader_cli import run_nbgrader
from utils.instructor.paths import RELEASE, SOURCE, Course

STAGE = "01_vanilla_gradients"
STUDENT = "alice"
LONG_MESSAGE = ("AssertionError: vanilla_gradients on a photo you have not seen, for a class other than the predicted "
                "one, with the model handed over in train mode: the result differs from the expected one by 141.97% "
                "(relative L2 error; at most 0.10% is accepted). " * 4 + "It is the absolute value of the expected "
                "result: keep the sign. END-OF-THE-MESSAGE")


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


def record_grades(course: Course, late_penalty: float = 0.0, comment: str | None = None) -> None:
    """What autograding records: the stage's cells (generate_assignment), the submission and its automatic
    scores; both written answers are answered, so they wait to be graded by hand. ``late_penalty``: the points a
    late hand-in loses; ``comment``: what the grader wrote on the answer cell in formgrader."""
    with tempfile.TemporaryDirectory() as scratch:
        run_nbgrader("generate_assignment", STAGE, "--force", *course.nbgrader_args(),
                     f"--CourseDirectory.release_directory={scratch}")
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gb:
        gb.update_or_create_student(STUDENT)
        gb.add_submission(STAGE, STUDENT)
        notebook = gb.find_submission(STAGE, STUDENT).notebooks[0]
        for grade in notebook.grades:
            if grade.name.startswith("test_"):
                grade.auto_score, grade.needs_manual_grade = 0.0, False
        notebook.late_submission_penalty = late_penalty or None
        if comment:
            gb.find_comment("vanilla_gradients", STAGE, STAGE, STUDENT).manual_comment = comment
        gb.db.commit()


def hand_graded_course(root: Path, figures: list, late_penalty: float = 0.0, comment: str | None = None) -> Course:
    """A scratch course under ``root`` where STUDENT's stage-01 notebook is submitted and autograded."""
    course = Course.scratch(root)
    nb = graded_notebook(figures)
    for folder in (course.submitted, course.autograded):
        (folder / STUDENT / STAGE).mkdir(parents=True)
        nbformat.write(nb, str(folder / STUDENT / STAGE / f"{STAGE}.ipynb"))
    record_grades(course, late_penalty, comment)
    return course
