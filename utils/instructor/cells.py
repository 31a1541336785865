"""What nbgrader's metadata says about a notebook cell: nbgrader.utils' own predicates, plus its grade id and points.

    is_grade(cell)     the cell carries points (a test cell, or an answer graded by hand)
    is_solution(cell)  the student writes in it
    is_locked(cell)    read-only; nbgrader restores it from the gradebook when grading
    is_test(cell)      graded and not a solution: an autograded test cell
"""

from __future__ import annotations

from nbgrader.utils import is_grade, is_locked, is_solution

__all__ = ["is_grade", "is_locked", "is_solution", "is_test", "grade_id", "points", "find_cell"]


def grade_id(cell) -> str | None:
    """The cell's nbgrader grade id, or None for a cell nbgrader does not track."""
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def points(cell) -> float:
    """The points a graded cell is worth (0 for any other cell)."""
    return float(cell.metadata.get("nbgrader", {}).get("points", 0)) if is_grade(cell) else 0.0


def is_test(cell) -> bool:
    return is_grade(cell) and not is_solution(cell)


def find_cell(nb, wanted: str):
    """The cell of ``nb`` whose grade id is ``wanted``; KeyError naming the ids there are otherwise."""
    for cell in nb.cells:
        if grade_id(cell) == wanted:
            return cell
    raise KeyError(f"no cell with grade id {wanted!r}; the notebook has "
                   f"{sorted(filter(None, map(grade_id, nb.cells)))}")
