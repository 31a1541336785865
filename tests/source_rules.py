"""What the course's code may and may not do with the grading record and the gradebook, read from the source
(AST): shared by tests/gradebook/test_one_door.py, which proves each check on a planted violation."""

from __future__ import annotations

import ast
from pathlib import Path

UTILS = Path(__file__).resolve().parents[1] / "utils"
RECORD = UTILS / "instructor" / "record"
GRADEBOOK = UTILS / "instructor" / "gradebook"
#: Submissions' code kept as files for the demo class: read as text, never imported.
NOT_MODULES = ("attacks", "submissions", "__pycache__")
#: String methods that read meaning out of words.
PARSING = ("startswith", "endswith", "split", "partition", "rpartition", "removeprefix")
#: The course's JSON stores, as ``Course`` names them (paths.py) or by file name.
STORES = ("grading_status", "collect_problems", ".gradebook_sources.json")
#: Where the expected values' cache is (``judge/expected.py``), and what writes a file.
CACHE_PLACES = ("cache_dir", "cache_path")
FILE_WRITERS = ("savez", "savez_compressed", "write_bytes", "write_text", "NamedTemporaryFile", "replace", "dump")


def sources(root: Path = UTILS) -> dict[Path, str]:
    return {path: path.read_text() for path in sorted(root.rglob("*.py"))
            if not set(path.relative_to(root).parts) & set(NOT_MODULES)}


def _mentions_status(node: ast.AST) -> bool:
    return "status" in ast.unparse(node).lower()


def status_parsed_from_words(source: str) -> list[str]:
    """Where ``source`` decides something from a status's words: a string method that parses (``PARSING``)
    called on a status, ``... in <status>``, or a prefix table passed to ``startswith``/``endswith``."""
    tree = ast.parse(source)
    tables = {target.id for node in tree.body if isinstance(node, ast.Assign) and isinstance(node.value, ast.Tuple)
              for target in node.targets if isinstance(target, ast.Name)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in PARSING:
            if _mentions_status(node.func.value):
                found.append(ast.unparse(node))
            elif node.func.attr in ("startswith", "endswith") and node.args and _prefix_table(node.args[0], tables):
                found.append(ast.unparse(node))
        elif isinstance(node, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops) \
                and any(_mentions_status(c) for c in node.comparators) and isinstance(node.left, (ast.Constant,
                                                                                                  ast.JoinedStr,
                                                                                                  ast.Name)):
            found.append(ast.unparse(node))
    return found


def _prefix_table(argument: ast.AST, tables: set) -> bool:
    """A tuple of named prefixes, or the name of a module-level tuple."""
    if isinstance(argument, ast.Tuple):
        return any(isinstance(e, ast.Name) and e.id.isupper() for e in argument.elts)
    return isinstance(argument, ast.Name) and argument.id in tables


def gradebook_opened_or_stores_touched(source: str) -> list[str]:
    """Where ``source`` opens nbgrader's Gradebook, reaches one of the course's JSON stores (``STORES``) or writes
    the expected values' cache (a function that names the cache's place and writes a file)."""
    found = []
    for function in ast.walk(ast.parse(source)):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names = {n.id if isinstance(n, ast.Name) else n.attr for n in ast.walk(function)
                     if isinstance(n, (ast.Name, ast.Attribute))}
            if names & set(CACHE_PLACES) and names & set(FILE_WRITERS):
                found.append(f"{function.name}() writes the expected values' cache")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "nbgrader.api" \
                and any(alias.name == "Gradebook" for alias in node.names):
            found.append(ast.unparse(node))
        elif isinstance(node, ast.Attribute) and node.attr == "Gradebook":
            found.append(ast.unparse(node))
        elif isinstance(node, ast.Attribute) and node.attr in STORES:
            found.append(ast.unparse(node))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in STORES:
            found.append(repr(node.value))
    return found
