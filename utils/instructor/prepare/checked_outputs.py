"""Store the outputs that nbval checks: run a solution notebook, keep the stdout of its
``nbval-check-output`` cells (and of no other cell).

    python -m utils.instructor.prepare.checked_outputs solutions/08_sanity_checks/08_sanity_checks.ipynb

A cell tagged ``nbval-check-output`` states the notebook's conclusions ("... : True");
``make test`` re-runs it and fails when the printed text changes. Run this after
changing what such a cell prints, read the new text (a ``False`` means the markdown
around it no longer holds), and commit it. Stderr (warnings with local paths) is not
stored: nbval does not compare it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

TAG = "nbval-check-output"


def is_checked(cell) -> bool:
    return TAG in cell.get("metadata", {}).get("tags", [])


def stdout_only(outputs) -> list:
    return [o for o in outputs if o.get("output_type") == "stream" and o.get("name") == "stdout"]


def store(path: Path, timeout: int = 600) -> list[str]:
    """Execute ``path`` in its own folder and write back the checked cells' stdout; returns their text."""
    source = nbformat.read(str(path), as_version=4)
    executed = nbformat.read(str(path), as_version=4)
    NotebookClient(executed, timeout=timeout, resources={"metadata": {"path": str(path.parent)}}).execute()
    texts = []
    for kept, ran in zip(source.cells, executed.cells):
        if is_checked(kept):
            kept.outputs = stdout_only(ran.outputs)
            kept.execution_count = ran.execution_count  # nbval refuses stored outputs of a cell never run
            texts.append("".join(o["text"] for o in kept.outputs))
    nbformat.write(source, str(path))
    return texts


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    for name in argv:
        path = Path(name)
        if not path.is_file():
            print(f"{name}: no such notebook", file=sys.stderr)
            return 2
        for text in store(path):
            print(f"{path.name}:\n{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
