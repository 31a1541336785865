"""No import circle anywhere in the course's code (utils/, the student's and the instructor's packages alike),
counting every import statement, also those inside functions."""

from __future__ import annotations

from .import_graph import circles, import_graph


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
