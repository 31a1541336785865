"""The grading engine's flow (issue 18): typed reports end to end, and no import circle among its modules."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import nbformat

from utils.instructor.grading.worker.grading_task import grade_task
from utils.instructor.paths import RELEASE, Course
from utils.instructor.grading.host.preparation import grader_version
from utils.instructor.gradebook.record_graded import record_graded
from utils.instructor.record.grading_record import GradingRecord
from utils.instructor.record.notebook_report import NotebookReport
from utils.instructor.record.task import GradingTask, read_folder

INSTRUCTOR = Path(__file__).resolve().parents[2] / "utils" / "instructor"
#: The modules a notebook passes through, from the orchestrator to the gradebook.
ENGINE = ("autograde", "preparation", "grading_task", "nbgrader_here", "resilient_execute", "sandbox",
          "sandboxed_kernel", "record_graded", "notebook_report", "grading_record", "cluster")
STAGE = "07_complexity"


def test_a_graded_notebook_reports_a_typed_object_that_no_log_carries(tmp_path):
    """Grade one notebook the way a worker does, with logging switched off: the report still arrives, typed,
    and the one writer records it with the same report."""
    submitted = tmp_path / "hand_in"
    submitted.mkdir()
    nbformat.write(nbformat.read(RELEASE / STAGE / f"{STAGE}.ipynb", 4), str(submitted / f"{STAGE}.ipynb"))
    task = GradingTask("carol", STAGE, read_folder(submitted), grader_version(STAGE))
    logging.disable(logging.CRITICAL)
    try:
        graded = grade_task(task)
    finally:
        logging.disable(logging.NOTSET)
    assert graded.record.ok, graded.record.message
    assert isinstance(graded.record.report, NotebookReport) and graded.record.report.sandbox is True
    assert graded.record.grader == task.grader
    assert f"{STAGE}.ipynb" in graded.files

    course = Course.scratch(tmp_path / "course")
    from utils.instructor.gradebook.stage_sources import ensure_gradebook

    ensure_gradebook(course, only=[STAGE], log=lambda *_: None)
    (course.submitted / "carol" / STAGE).mkdir(parents=True)
    [recorded] = record_graded(course, [graded])
    assert isinstance(recorded, GradingRecord) and recorded.ok, recorded.message
    assert recorded.report == graded.record.report and recorded.worker == graded.record.worker
    assert (course.autograded / "carol" / STAGE / f"{STAGE}.ipynb").exists()


def _source(module: str) -> Path:
    """The file of engine module ``module`` (the engine spans grading/, gradebook/ and record/)."""
    [path] = [folder / f"{module}.py" for folder in (INSTRUCTOR / "grading" / "host", INSTRUCTOR / "grading" / "worker",
                                                      INSTRUCTOR / "gradebook", INSTRUCTOR / "record")
              if (folder / f"{module}.py").exists()]
    return path


def _imports(module: str) -> set[str]:
    """The engine modules ``module`` imports (at the top or inside functions, relatively or absolutely)."""
    tree = ast.parse(_source(module).read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("utils.instructor.")):
            found.update((node.module or "").split("."))
            found.update(alias.name for alias in node.names)
    return found & set(ENGINE)


def test_no_import_circle_among_the_grading_modules():
    graph = {module: _imports(module) for module in ENGINE}
    for start in ENGINE:
        seen, todo = set(), list(graph[start])
        while todo:
            module = todo.pop()
            assert module != start, f"{start} imports itself through {sorted(seen)}"
            if module not in seen:
                seen.add(module)
                todo.extend(graph[module])


def test_no_grading_module_reads_its_status_from_log_text():
    """The old channel (a JSON log line scraped back out of nbgrader's output) is gone for good."""
    for module in ENGINE:
        source = _source(module).read_text()
        assert "GRADING-STATUS" not in source and ".splitlines()" not in source, module
