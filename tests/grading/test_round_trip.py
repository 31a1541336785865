"""Grading round trip for every stage: real nbgrader autograde runs with the project's configuration.

For each stage three submissions are graded in a scratch workspace: the untouched
release (must score 0 on every test cell), the solution notebook (every automatic
point), and, for stages with several graded functions, the solution with one
function raising (its own test cells score 0, the other functions keep their marks).
Expected scores come from the points written in the source notebooks.
"""

from __future__ import annotations

import nbformat
import pytest

from utils.instructor.grading.host.autograde import autograde_all
from utils.instructor.paths import RELEASE, SOURCE, Course, stages

STAGES = stages()
TIMEOUT = "--Execute.timeout=60"
#: In multi-function stages, the function whose failure must not cost the others their marks.
BROKEN_FUNCTION = {"03_integrated_gradients": "integrated_gradients", "06_cam_family": "compute_cam",
                   "07_complexity": "count_flops_forward", "08_sanity_checks": "deletion_curve",
                   "09_beyond_gradcam": "compute_xgradcam"}


def source(stage):
    return nbformat.read(SOURCE / stage / f"{stage}.ipynb", 4)


def graded_functions(stage) -> list[str]:
    return [c.metadata["nbgrader"]["grade_id"] for c in source(stage).cells
            if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"
            and c.metadata["nbgrader"].get("grade_id") != "setup"]


def points_of(stage) -> dict[str, float]:
    """Autograded test cells and their points."""
    return {c.metadata["nbgrader"]["grade_id"]: float(c.metadata["nbgrader"]["points"]) for c in source(stage).cells
            if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata["nbgrader"].get("solution")}


def owner(grade_id: str, functions: list[str]) -> str:
    """The function a test cell grades: the longest name with ``test_<name>_`` as prefix."""
    matches = [f for f in functions if grade_id == f"test_{f}" or grade_id.startswith(f"test_{f}_")]
    assert matches, f"test cell {grade_id} names no graded function ({functions})"
    return max(matches, key=len)


def with_broken(stage, function):
    nb = source(stage)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == function:
            cell.source = cell.source.split("### BEGIN SOLUTION")[0] + (
                "    raise RuntimeError('this submission fails here on purpose')\n")
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = Course.scratch(tmp_path_factory.mktemp("round_trip") / "course")
    for stage in STAGES:
        for student, make in (("stub", lambda s: nbformat.read(RELEASE / s / f"{s}.ipynb", 4)),
                              ("solution", source),
                              ("broken", lambda s: with_broken(s, BROKEN_FUNCTION[s]))):
            if student == "broken" and stage not in BROKEN_FUNCTION:
                continue
            target = course.submitted / student / stage
            target.mkdir(parents=True, exist_ok=True)
            nbformat.write(make(stage), str(target / f"{stage}.ipynb"))
    results = autograde_all(course, extra_args=(TIMEOUT,), jobs=2, log=print)
    assert all(r.ok for r in results), [r for r in results if not r.ok]
    return course


def cell_scores(course, student, stage) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gradebook:
        notebook = gradebook.find_submission_notebook(stage, stage, student)
        return {grade.name: grade.score for grade in notebook.grades if grade.name in points_of(stage)}


@pytest.mark.parametrize("stage", STAGES)
def test_stub_scores_zero_on_every_test_cell(graded, stage):
    scores = cell_scores(graded, "stub", stage)
    assert set(scores) == set(points_of(stage))
    assert all(score == 0 for score in scores.values()), {k: v for k, v in scores.items() if v}


@pytest.mark.parametrize("stage", STAGES)
def test_solution_scores_every_automatic_point(graded, stage):
    scores = cell_scores(graded, "solution", stage)
    assert scores == points_of(stage), {k: (v, points_of(stage)[k]) for k, v in scores.items()
                                          if v != points_of(stage)[k]}


@pytest.mark.parametrize("stage", sorted(BROKEN_FUNCTION))
def test_one_failing_function_costs_only_its_own_marks(graded, stage):
    """Robustness case 2: the other functions keep their marks."""
    broken, functions = BROKEN_FUNCTION[stage], graded_functions(stage)
    expected = {cell: (0.0 if owner(cell, functions) == broken else points)
                for cell, points in points_of(stage).items()}
    assert any(expected.values()) and not all(expected.values())
    assert cell_scores(graded, "broken", stage) == expected


def test_every_stage_has_its_contract_functions():
    assert set(BROKEN_FUNCTION) <= set(STAGES)
    for stage, function in BROKEN_FUNCTION.items():
        assert function in graded_functions(stage)

