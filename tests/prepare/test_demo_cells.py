"""Grading runs what a verdict needs (issue 18): demonstration cells tagged skip-when-grading are not run, the
proof that no graded cell reads them holds on every stage, and a notebook that needs them is run in full."""

from __future__ import annotations

import logging

import nbformat
import pytest

from utils.instructor.prepare.demo_cells import NOT_RUN, TAG, binds, changes, largest_skippable, problems, reads
from utils.instructor.paths import RELEASE, SOURCE, stages
from utils.instructor.grading.worker.resilient_execute import ResilientExecute


@pytest.mark.parametrize("stage", stages())
def test_no_cell_that_always_runs_reads_what_a_skipped_cell_binds_or_changes(stage):
    nb = nbformat.read(SOURCE / stage / f"{stage}.ipynb", 4)
    assert [i for i, c in enumerate(nb.cells) if TAG in c.metadata.get("tags", [])], f"{stage} skips nothing"
    assert problems(nb) == []


@pytest.mark.parametrize("stage", stages())
def test_the_release_carries_the_same_tags(stage):
    """Students' notebooks are graded: the tags that decide what runs must be in the released copy too."""
    def tagged(path):
        return [c.source for c in nbformat.read(path, 4).cells if TAG in c.metadata.get("tags", [])]

    assert tagged(RELEASE / stage / f"{stage}.ipynb") == tagged(SOURCE / stage / f"{stage}.ipynb")


def test_what_a_cell_binds_reads_and_changes():
    assert binds("import torch\nx = 1\ndef f(a):\n    return a\nclass K: pass\nfor i in r: pass") == \
        {"torch", "x", "f", "K", "i"}
    # read from earlier cells: not what the cell bound before reading it; a function's globals count
    assert reads("x = photos[0]\ny = f(x)") == {"photos", "f"}
    assert reads("for kind in kinds:\n    show(kind)") == {"kinds", "show"}
    assert reads("def g(a):\n    return a + scale") == {"scale"}
    assert reads("with torch.no_grad() as t:\n    y = model(t)") == {"torch", "model"}
    assert reads("x = x + 1") == {"x"}
    assert changes("model.train()\nphotos.append(1)\nd['k'] = 2\nw.add_(1)\nfig = plt.figure()\nfig.x = 1") == \
        {"model", "photos", "d", "w"}


def test_an_unsafe_tag_is_named():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("helper = 1", metadata={"tags": [TAG]}),
        nbformat.v4.new_code_cell("model.eval()", metadata={"tags": [TAG]}),
        _test_cell("print(helper, model)", "t1"),
        nbformat.v4.new_code_cell("x = 2", metadata={"tags": [TAG], "nbgrader": {"grade_id": "setup"}}),
        nbformat.v4.new_code_cell("y = 3"),
    ])
    found = problems(nb)
    assert any("cell 0 binds ['helper']" in p for p in found)
    assert any("cell 1 may change ['model']" in p for p in found)
    assert any("cell 3 is an nbgrader cell" in p for p in found)
    assert largest_skippable(nb) == [4]


def _test_cell(source: str, grade_id: str):
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": {
        "grade": True, "solution": False, "locked": True, "grade_id": grade_id, "points": 1, "schema_version": 3}})


def _record(grade_id: str, kind: str) -> str:
    return ("from IPython.display import display\nfrom utils.recording._format import as_output, encode\n"
            f"display(as_output(encode({grade_id!r}, [{{'kind': {kind!r}}}], {{}}), {grade_id!r}), raw=True)")


def run(nb, tmp_path):
    executor = ResilientExecute(sandbox=False, log=logging.getLogger("test-demo-cells"), skip_cells_with_tag=TAG)
    return executor.preprocess(nb, {"metadata": {"path": str(tmp_path)}})


def text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def test_a_tagged_cell_is_not_run_and_its_output_says_so(tmp_path):
    marker = tmp_path / "ran"
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(f"open({str(marker)!r}, 'w').write('x')", metadata={"tags": [TAG]}),
        _test_cell(_record("t1", "stub"), "t1"),
    ])
    nb, resources = run(nb, tmp_path)
    assert not marker.exists(), "the demonstration cell ran"
    assert text(nb.cells[0]) == NOT_RUN
    report = resources["grading_report"]
    assert report.skipped_cells == (0,) and report.full_rerun is False


def test_a_notebook_whose_test_needs_a_skipped_cell_is_run_again_in_full(tmp_path):
    """A student's function reads a global that only a demonstration cell defines: without it the test cell
    raises and leaves no record, so the notebook runs again with every cell, and the test sees the global."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("scale = 2", metadata={"tags": [TAG]}),
        nbformat.v4.new_code_cell("def answer():\n    return 21 * scale"),
        _test_cell(f"assert answer() == 42\n{_record('t1', 'array')}\nprint('recorded')", "t1"),
    ])
    nb, resources = run(nb, tmp_path)
    assert text(nb.cells[2]) == "recorded\n"
    assert resources["grading_report"].full_rerun is True and resources["grading_report"].skipped_cells == ()
    assert text(nb.cells[0]) != NOT_RUN


def test_an_error_in_the_students_function_also_runs_the_notebook_in_full(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("print('demo')", metadata={"tags": [TAG]}),
        _test_cell(_record("t1", "error"), "t1"),
    ])
    nb, resources = run(nb, tmp_path)
    assert resources["grading_report"].full_rerun is True and text(nb.cells[0]) == "demo\n"


def test_a_value_error_asked_for_does_not_run_the_notebook_again(tmp_path):
    """Tests of the "raises" kind want a ValueError: that is no sign of a missing global."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("print('demo')", metadata={"tags": [TAG]}),
        _test_cell(_record("t1", "error").replace("'kind': 'error'", "'kind': 'error', 'value_error': True"), "t1"),
    ])
    nb, resources = run(nb, tmp_path)
    assert resources["grading_report"].full_rerun is False and text(nb.cells[0]) == NOT_RUN
