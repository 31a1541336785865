"""A hidden test is written once: every graded test cell of the solution notebooks records with exactly one
``HiddenTest`` (``utils.recording.stageNN``), of the same stage and function, and every ``HiddenTest`` has its cell.
A cell without a declaration would score 0 at grading; a declaration without a cell is never graded."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from utils.instructor import cells
from utils.recording._cases import REGISTRY, STAGE_OF_TEST, HiddenTest, load_all_stages, register

SOLUTIONS = Path(__file__).resolve().parents[3] / "solutions"


def graded_test_cells():
    """(stage, grade id, the ``record(...)`` calls of its source) for every graded test cell of the solutions."""
    found = []
    for path in sorted(SOLUTIONS.glob("*/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code" and cells.is_test(cell):
                calls = [node for node in ast.walk(ast.parse(cell.source))
                         if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "record"]
                found.append((path.parent.name, cells.grade_id(cell), calls))
    return found


def test_every_graded_test_cell_records_with_its_own_hidden_test():
    load_all_stages()
    found = graded_test_cells()
    assert len(found) >= 50, f"only {len(found)} graded test cells in {SOLUTIONS}"
    for stage, grade_id, calls in found:
        assert grade_id in REGISTRY, f"{stage}: the test cell {grade_id} has no HiddenTest in utils.recording"
        assert STAGE_OF_TEST[grade_id] == stage, (grade_id, STAGE_OF_TEST[grade_id], stage)
        assert len(calls) == 1, f"{grade_id}: {len(calls)} record(...) calls instead of one"
        (call,) = calls
        named, function = call.args[0], call.args[1]
        assert isinstance(named, ast.Constant) and named.value == grade_id, \
            f"{grade_id}: the cell records for {ast.unparse(named)}, not for its own grade id"
        assert isinstance(function, ast.Name) and function.id == REGISTRY[grade_id].function, \
            f"{grade_id}: the cell records {ast.unparse(function)}, its HiddenTest {REGISTRY[grade_id].function}"


def test_every_hidden_test_has_exactly_one_cell():
    load_all_stages()
    grade_ids = [grade_id for _, grade_id, _ in graded_test_cells()]
    assert sorted(set(grade_ids)) == sorted(grade_ids), "a grade id names two test cells"
    assert set(REGISTRY) == set(grade_ids), f"HiddenTests without a test cell: {sorted(set(REGISTRY) - set(grade_ids))}"


def test_a_grade_id_cannot_be_declared_twice():
    """What makes "exactly one": a second HiddenTest of the same grade id fails when its stage module is imported."""
    load_all_stages()
    twin = HiddenTest("test_vanilla_gradients_form", "vanilla_gradients", lambda: [])
    as_stage_module = {"__name__": "utils.recording.stage01", "register": register, "twin": twin}
    with pytest.raises(ValueError, match="two hidden tests are named 'test_vanilla_gradients_form'"):
        exec("register(twin)", as_stage_module)  # noqa: S102 (register reads the calling module's name)
