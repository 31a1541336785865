"""Demonstration cells: what grading may leave out, and the proof that nothing graded reads them.

A course author tags a code cell ``skip-when-grading`` when it only demonstrates
(figures, explorations, tables) and no test needs it. Grading then does not run it
(nbclient's ``skip_cells_with_tag``, set in ``nbgrader_config.py``); the student's
feedback says so. Students run every cell as usual.

The proof is static, on the source notebook (``python -m utils.instructor.prepare.demo_cells``
lists each stage's tagged cells and the candidates):

    binds(cell)  names the cell's top level assigns, defines or imports
    reads(cell)  names it reads from earlier cells (its functions' globals included)
    changes(cell) names of earlier objects it may change in place (``m.train()``, ``x[0] = …``)
    a tagged cell is safe  ⇔  it is no nbgrader cell, and no untagged cell reads a name it binds or changes

so every graded cell, and every function a student wrote, sees the same globals with
or without the tagged cells. A student whose own code does need one of them (a
function reading a global a demonstration defines) is caught at grading time:
``ResilientExecute`` runs such a notebook again in full (see ``needs_full_run``).
"""

from __future__ import annotations

import ast
import symtable
import sys

from .. import cells

TAG = "skip-when-grading"
#: What the grader writes into a cell it did not run (the feedback page shows it).
NOT_RUN = "[not run by the grader: a demonstration that no test depends on (tagged skip-when-grading)]\n"


def is_tagged(cell) -> bool:
    return TAG in cell.get("metadata", {}).get("tags", [])


def _table(source: str) -> symtable.SymbolTable:
    return symtable.symtable(source, "<cell>", "exec")


def binds(source: str) -> set[str]:
    """The names a cell's top level assigns, defines (def, class) or imports."""
    return {s.get_name() for s in _table(source).get_symbols()
            if s.is_assigned() or s.is_imported() or s.is_namespace()}


def _referenced(source: str) -> set[str]:
    """Names a piece of code reads: at its top level, and the globals read inside its functions, classes and
    comprehensions."""
    found: set[str] = set()
    todo = [_table(source)]
    while todo:
        table = todo.pop()
        top = table.get_type() == "module"
        for symbol in table.get_symbols():
            if symbol.is_referenced() and (top or symbol.is_global() or symbol.is_declared_global()):
                found.add(symbol.get_name())
        todo.extend(table.get_children())
    return found


def _stored(node) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _free(statements: list, bound: set[str]) -> set[str]:
    """What ``statements`` read that was not bound before (``bound`` grows as they bind)."""
    found = set()
    for statement in statements:
        if isinstance(statement, (ast.For, ast.AsyncFor)):
            found |= _referenced(ast.unparse(statement.iter)) - bound
            bound |= _stored(statement.target)
            found |= _free(statement.body + statement.orelse, bound)
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            for item in statement.items:
                found |= _referenced(ast.unparse(item.context_expr)) - bound
                bound |= _stored(item.optional_vars) if item.optional_vars else set()
            found |= _free(statement.body, bound)
        elif isinstance(statement, (ast.If, ast.While)):
            found |= _referenced(ast.unparse(statement.test)) - bound
            found |= _free(statement.body + statement.orelse, bound)
        elif isinstance(statement, ast.Try):
            found |= _free(statement.body + [h for handler in statement.handlers for h in handler.body]
                           + statement.orelse + statement.finalbody, bound)
        else:
            code = ast.unparse(statement)
            found |= _referenced(code) - bound
            bound |= binds(code)
    return found


def reads(source: str) -> set[str]:
    """The names a cell reads from earlier cells: what its statements read, in order, that no earlier statement of
    the cell bound (``x = photos[0]; f(x)`` reads ``photos``, not ``x``; ``for k in ks: f(k)`` reads ``ks``)."""
    return _free(ast.parse(source).body, set())


#: Methods that change their object in place (PyTorch's in-place methods end in ``_`` besides these).
IN_PLACE = {"train", "eval", "to", "cuda", "cpu", "float", "double", "half", "apply", "load_state_dict",
            "register_forward_hook", "register_full_backward_hook", "register_forward_pre_hook", "zero_grad",
            "append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "sort", "reverse"}


def changes(source: str) -> set[str]:
    """Names of objects from earlier cells that a cell may change in place: ``name.attr = …``, ``name[…] = …``,
    ``name.train()``, ``name.add_(…)`` and the like, on a name the cell does not bind itself."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        targets = []
        if isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            targets.append(node.value)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method = node.func.attr
            if method in IN_PLACE or (method.endswith("_") and not method.startswith("_")):
                targets.append(node.func.value)
        for target in targets:
            while isinstance(target, (ast.Attribute, ast.Subscript)):
                target = target.value
            if isinstance(target, ast.Name):
                found.add(target.id)
    return found - binds(source)


def problems(nb) -> list[str]:
    """Why the tagged cells of ``nb`` are not safe to skip (empty: they are)."""
    code = [(index, cell) for index, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    untagged_reads = set().union(*(reads(cell.source) for _, cell in code if not is_tagged(cell)))
    found = []
    for index, cell in code:
        if not is_tagged(cell):
            continue
        if cells.grade_id(cell):
            found.append(f"cell {index} is an nbgrader cell ({cells.grade_id(cell)}); it must run")
        shared = binds(cell.source) & untagged_reads
        if shared:
            found.append(f"cell {index} binds {sorted(shared)}, which cells that always run read")
        changed = changes(cell.source) & untagged_reads
        if changed:
            found.append(f"cell {index} may change {sorted(changed)} in place, which cells that always run read")
    return found


def largest_skippable(nb) -> list[int]:
    """The largest set of code cells that could be tagged together (no nbgrader cell among them, and none binding a
    name that a cell outside the set reads): start from every other code cell, drop the offenders until none is left.
    """
    code = {index: cell for index, cell in enumerate(nb.cells) if cell.cell_type == "code"}
    chosen = {index for index, cell in code.items() if not cells.grade_id(cell)}
    while True:
        outside = set().union(*(reads(cell.source) for index, cell in code.items() if index not in chosen))
        offenders = {index for index in chosen
                     if (binds(code[index].source) | changes(code[index].source)) & outside}
        if not offenders:
            return sorted(chosen)
        chosen -= offenders


def not_run_output():
    """The output the grader gives a demonstration cell it did not run."""
    from nbformat import NotebookNode

    return NotebookNode(output_type="stream", name="stdout", text=NOT_RUN)


def needs_full_run(nb) -> bool:
    """Whether a notebook run without its demonstration cells must be run again with them: a test cell left no
    record, or the student's function raised an error (a global that only a skipped cell defines would do that).
    A wrong value or a stub is not explained by a skipped cell."""
    from utils.recording._format import MIME, MalformedRecord, from_output

    for cell in nb.cells:
        if cell.cell_type != "code" or not cells.is_test(cell):
            continue
        records = [o["data"][MIME] for o in cell.get("outputs", [])
                   if o.get("output_type") == "display_data" and MIME in o.get("data", {})]
        if not records:
            return True
        try:
            cases, _ = from_output(records[-1], cells.grade_id(cell))
        except MalformedRecord:
            return True
        if any(isinstance(case, dict) and case.get("kind") == "error" and not case.get("value_error")
               for case in cases):  # a ValueError is what the "raises" tests ask for; a missing global is no ValueError
            return True
    return False


def main(argv=None) -> int:
    import nbformat

    from ..paths import source_notebook, stages

    bad = 0
    for stage in stages():
        nb = nbformat.read(source_notebook(stage), 4)
        tagged = [i for i, c in enumerate(nb.cells) if is_tagged(c)]
        print(f"{stage}: tagged {tagged}; could be tagged together: {largest_skippable(nb)}")
        for problem in problems(nb):
            print(f"  NOT SAFE: {problem}")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["TAG", "NOT_RUN", "is_tagged", "binds", "reads", "problems", "largest_skippable"]
