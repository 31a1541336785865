"""A cell that times out for lack of CPU is run again with more time; a stuck cell is not, and is reported.

A sleeping cell stands for a starved one: in both the kernel gets (almost) no CPU while the
clock runs, which is what ResilientExecute measures (the kernel's CPU time against the
cell's time limit). A busy endless loop uses a full core and is stuck, not starved.
"""

from __future__ import annotations

import logging
import time

import nbformat
import pytest

from utils.instructor.record.notebook_report import NotebookReport
from utils.instructor.grading.worker.resilient_execute import NotebookTimeout, ResilientExecute


def notebook(*sources: str):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])


def execute(nb, tmp_path, caplog, **options):
    """Run ``nb`` outside the sandbox (the retries do not depend on it); returns (notebook, grading status).

    The status is the typed NotebookReport that ResilientExecute hands on in the resources, read with
    logging switched off: nothing about it comes from log text.
    """
    executor = ResilientExecute(sandbox=False, log=logging.getLogger("test-resilient-execute"), **options)
    logging.disable(logging.CRITICAL)
    try:
        nb, resources = executor.preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    finally:
        logging.disable(logging.NOTSET)
    report = resources["grading_report"]
    assert isinstance(report, NotebookReport)
    return nb, report.as_status()


def text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def errors(cell) -> list[str]:
    return [o.ename for o in cell.outputs if o.output_type == "error"]


def test_a_cell_starved_of_cpu_is_run_again_with_twice_the_time(tmp_path, caplog):
    nb, status = execute(notebook("import time\ntime.sleep(3)\nprint('finished')", "print('after')"), tmp_path,
                         caplog, timeout=2, max_starved_retries=2)
    assert text(nb.cells[0]) == "finished\n" and errors(nb.cells[0]) == []
    assert text(nb.cells[1]) == "after\n"
    assert status["starved_retries"] == 1 and status["timed_out_cells"] == []


def test_a_busy_endless_loop_is_not_retried_and_is_reported(tmp_path, caplog):
    nb, status = execute(notebook("while True:\n    pass", "print('after')"), tmp_path, caplog, timeout=3,
                         max_starved_retries=2)
    assert errors(nb.cells[0]), "the endless loop was not interrupted"
    assert text(nb.cells[1]) == "after\n", "grading did not go on after the timed-out cell"
    assert status["starved_retries"] == 0 and status["timed_out_cells"] == [0]


@pytest.mark.parametrize("retries", [0, 2])
def test_retries_are_bounded_and_what_still_times_out_is_reported(tmp_path, caplog, retries):
    attempts = tmp_path / "attempts"
    nb, status = execute(notebook(f"open({str(attempts)!r}, 'a').write('x')\nimport time\ntime.sleep(60)",
                                  "print('after')"), tmp_path, caplog, timeout=1, max_starved_retries=retries)
    assert errors(nb.cells[0]) and text(nb.cells[1]) == "after\n"
    assert status["starved_retries"] == retries and status["timed_out_cells"] == [0]
    assert attempts.read_text() == "x" * (retries + 1), "the notebook ran more or fewer times than allowed"


def test_past_its_deadline_a_notebook_starts_no_further_cell(tmp_path, caplog):
    """notebook_timeout bounds the whole notebook: the cell running when it passes finishes, no later cell starts."""
    later = tmp_path / "later"
    nb = notebook("import time\ntime.sleep(3)", f"open({str(later)!r}, 'w').write('ran')")
    started = time.perf_counter()
    with pytest.raises(NotebookTimeout, match="took longer than 2 s"):
        execute(nb, tmp_path, caplog, timeout=30, notebook_timeout=2)
    assert not later.exists(), "a cell started after the notebook's deadline"
    assert time.perf_counter() - started < 25


def test_a_sandboxed_kernel_started_cold_keeps_its_own_output_out_of_the_graders_terminal(tmp_path, capfd):
    """In the sandbox IPython printed "NOTE: When using the `ipython kernel` entry point, Ctrl-C will not work…" and
    the kernel's connection line to the instructor's terminal for every notebook; what a cell prints still counts."""
    executor = ResilientExecute(sandbox=True, warm_kernels=False, log=logging.getLogger("test-resilient-execute"))
    nb, _resources = executor.preprocess(notebook("print('from the cell')"), {"metadata": {"path": str(tmp_path)}})
    assert text(nb.cells[0]) == "from the cell\n"
    out, err = capfd.readouterr()
    assert "Ctrl-C will not work" not in out + err and "--existing" not in out + err
