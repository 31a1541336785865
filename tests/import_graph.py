"""The import graph of the course's code (utils/, both packages), read from every import statement, also those
inside functions; and the import circles in a graph. Shared by tests/course/test_import_graph.py and
tests/student/test_package_split.py."""

from __future__ import annotations

import ast
from pathlib import Path

UTILS = Path(__file__).resolve().parents[1] / "utils"
#: Submissions' code kept as files for the demo class: read as text, never imported.
NOT_MODULES = ("attacks", "submissions", "__pycache__")


def modules() -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, is a package's __init__)."""
    found = {}
    for path in UTILS.rglob("*.py"):
        if set(path.relative_to(UTILS).parts) & set(NOT_MODULES):
            continue
        parts = list(path.relative_to(UTILS.parent).with_suffix("").parts)
        package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if package else parts)] = (path, package)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the course modules it imports (``from a import b`` counts a.b when b is a module, else a)."""
    known = modules()
    graph = {}
    for name, (path, package) in known.items():
        here = name.split(".") if package else name.split(".")[:-1]
        edges = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                edges.update(alias.name for alias in node.names if alias.name in known)
            elif isinstance(node, ast.ImportFrom):
                base = ".".join(here[:len(here) - node.level + 1] + ([node.module] if node.module else [])) \
                    if node.level else node.module
                for alias in node.names:
                    edges.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
        graph[name] = {edge for edge in edges if edge in known and edge != name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan): each is an import circle."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in graph[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while not group or group[-1] != module:
                group.append(stack.pop())
                on_stack.discard(group[-1])
            if len(group) > 1:
                found.append(sorted(group))

    for module in graph:
        if module not in index:
            visit(module)
    return found


def imports_into(graph: dict[str, set[str]], importers: str, imported: str) -> list[tuple[str, str]]:
    """(module, what it imports) for every module under ``importers`` (a dotted prefix) that imports a module
    under ``imported``."""
    def under(module: str, prefix: str) -> bool:
        return module == prefix or module.startswith(prefix + ".")

    return sorted((module, other) for module, edges in graph.items() if under(module, importers)
                  for other in edges if under(other, imported))
