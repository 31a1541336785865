"""No import circle anywhere in the course's code (utils/, the student's and the instructor's packages alike),
counting every import statement, also those inside functions."""

from __future__ import annotations

from tests.import_graph import circles, import_graph, imports_into


def test_the_graph_is_the_whole_package():
    graph = import_graph()
    assert len(graph) > 100
    assert "utils.instructor.judge.rules.base" in graph["utils.instructor.judge.rules.close"]
    assert "utils.recording._cases" in graph["utils.instructor.judge.expected"]


def test_the_circle_finder_finds_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle_anywhere():
    assert circles(import_graph()) == []


GRADING = "utils.instructor.grading"


def test_the_layer_check_finds_a_planted_import_up_the_layers():
    planted = {"utils.instructor.judge": {"utils.instructor.grading.worker.nbgrader_here"},
               "utils.instructor.judge.rules": {"utils.instructor.record.verdict"},
               "utils.instructor.gradebook.record_graded": {"utils.instructor.grading.host.autograde"},
               "utils.instructor.grading.worker.nbgrader_here": set(), "utils.instructor.grading.host.autograde": set(),
               "utils.instructor.record.verdict": set()}
    assert imports_into(planted, "utils.instructor.judge", GRADING) == [
        ("utils.instructor.judge", "utils.instructor.grading.worker.nbgrader_here")]
    assert imports_into(planted, "utils.instructor.gradebook", GRADING) == [
        ("utils.instructor.gradebook.record_graded", "utils.instructor.grading.host.autograde")]


def test_the_judge_and_the_gradebook_import_nothing_from_grading():
    graph = import_graph()
    assert "utils.instructor.record.verdict" in graph["utils.instructor.judge"], "the judge's Verdict: from record/"
    assert imports_into(graph, "utils.instructor.judge", GRADING) == []
    assert imports_into(graph, "utils.instructor.gradebook", GRADING) == []
    assert imports_into(graph, "utils.instructor.record", GRADING) == []


def test_grading_says_which_process_runs_each_file():
    """grading/host/ runs in the instructor's process, grading/worker/ in a worker's; the worker never reaches back
    into the instructor's process."""
    graph = import_graph()
    grading = [m for m in graph if m.startswith(GRADING + ".")]
    assert grading and all(m.startswith((f"{GRADING}.host", f"{GRADING}.worker")) for m in grading), grading
    assert imports_into(graph, f"{GRADING}.worker", f"{GRADING}.host") == []
