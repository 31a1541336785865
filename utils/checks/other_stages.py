"""Your functions from another stage: the exercise cells of a stage's notebook, as last saved, run for their
imports and function definitions only, so that a later stage can build on them.
"""

from __future__ import annotations

import numpy as np
import torch


# --- your functions from another stage -------------------------------------------------------------

def your_functions(stage: str, *names: str, notebook=None) -> dict:
    """The functions you wrote in another stage's notebook, by name, e.g.
    ``your_functions("03_integrated_gradients", "interpolate_path", "integrated_gradients")``.

    Reads ``../<stage>/<stage>.ipynb`` (next to this notebook's folder, or ``notebook``) as last
    saved, and runs only the imports and function definitions of its exercise cells and the
    imports of its setup cell (nothing else), with ``torch`` and ``np`` available. Save that notebook first. A function that is
    still a stub raises :class:`ExerciseNotDone` when called through :func:`run_exercise`.
    """
    import ast
    import json
    from pathlib import Path

    path = Path(notebook) if notebook else Path.cwd().parent / stage / f"{stage}.ipynb"
    if not path.exists():
        raise FileNotFoundError(f"no notebook at {path}: your_functions looks for stage {stage} next to this "
                                "notebook's folder.")
    cells = json.loads(path.read_text())["cells"]
    namespace = {"torch": torch, "np": np, "__name__": f"your_{stage}"}
    for cell in cells:
        grading = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") != "code" or not (grading.get("solution") or grading.get("grade_id") == "setup"):
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        try:
            tree = ast.parse(source)
        except SyntaxError as error:
            raise AssertionError(f"{path.name}: an exercise cell does not parse ({error}).") from None
        # the setup cell's imports too: an exercise may use a module only the setup cell imports (copy, functools)
        kept = (ast.FunctionDef, ast.Import, ast.ImportFrom) if grading.get("solution") else (ast.Import, ast.ImportFrom)
        tree.body = [node for node in tree.body if isinstance(node, kept)]
        exec(compile(tree, str(path), "exec"), namespace)  # noqa: S102 (your own code, from your own notebook)
    missing = [n for n in names if not callable(namespace.get(n))]
    if missing:
        raise AssertionError(f"{path.name} defines no {', '.join(missing)} in its exercise cells.")
    return {n: namespace[n] for n in names}
