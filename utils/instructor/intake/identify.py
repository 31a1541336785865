"""Which stage a submitted notebook belongs to, from its content rather than its file name."""

from __future__ import annotations

import functools

import nbformat

from ..cells import grade_id, is_locked
from ..paths import source_notebook, stages


@functools.lru_cache(maxsize=1)
def grade_ids_by_stage() -> dict[str, frozenset]:
    ids = {}
    for stage in stages():
        nb = nbformat.read(source_notebook(stage), 4)
        ids[stage] = frozenset(filter(None, map(grade_id, nb.cells)))
    return ids


def own_grade_ids_by_stage() -> dict[str, frozenset]:
    """Each stage's grade ids that no other stage uses: a generic one such as ``setup``
    could just as well come from another course's notebook."""
    ids = grade_ids_by_stage()
    return {stage: mine - frozenset().union(*(other for s, other in ids.items() if s != stage))
            for stage, mine in ids.items()}


class UnreadableNotebook(ValueError):
    """A file that is not a notebook nbgrader can grade; the message says why."""


def read_submission(path) -> nbformat.NotebookNode:
    """Read and validate a submitted notebook, upgrading old nbformat versions to 4."""
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as error:  # JSON errors, unknown nbformat, missing keys
        raise UnreadableNotebook(f"{path.name} is not a readable Jupyter notebook "
                                 f"({error.__class__.__name__}: {str(error)[:200]})") from None
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as error:
        raise UnreadableNotebook(f"{path.name} is not a valid notebook: {error.message[:200]}") from None
    return nb


def identify_stage(nb, file_name: str = "") -> str:
    """The stage whose grade ids the notebook shares most; the file name only breaks ties.

    A notebook with none of any stage's own grade ids is refused (UnreadableNotebook), also
    when its name is a stage's: nbgrader grades a notebook by those cells, so one from
    another course or re-created by hand would otherwise pass as "cells edited"."""
    present = set(filter(None, map(grade_id, nb.cells)))
    own = own_grade_ids_by_stage()
    if any(present & ids for ids in own.values()):
        scores = {stage: len(present & ids) for stage, ids in grade_ids_by_stage().items()}
        best = max(scores.values())
        winners = [s for s, n in scores.items() if n == best]
        named = [s for s in winners if s in file_name]
        return (named or winners)[0]
    named = [s for s in grade_ids_by_stage() if s in file_name]
    if named:
        example = sorted(own[named[0]])[0]
        raise UnreadableNotebook(
            f"{file_name} is named like stage {named[0]} but has none of its graded cells (e.g. grade id "
            f"{example!r}), so nbgrader cannot grade it: probably a notebook from another course, or the work "
            f"copied into a new notebook; ask for the work done in the course's {named[0]}.ipynb")
    raise UnreadableNotebook(f"{file_name or 'a notebook'} has none of the course's graded cells and its name "
                             "matches no stage (e.g. 03_integrated_gradients.ipynb)")


@functools.lru_cache(maxsize=None)
def _released_checksums(stage: str) -> dict:
    from ..paths import RELEASE

    nb = nbformat.read(RELEASE / stage / f"{stage}.ipynb", 4)
    return {grade_id(c): c.metadata["nbgrader"].get("checksum") for c in nb.cells if is_locked(c)}


def edited_readonly_cells(nb, stage: str) -> list[str]:
    """Grade ids of read-only (locked) cells whose content differs from the release, and
    of those deleted. nbgrader restores both from the gradebook when grading."""
    from nbgrader.utils import compute_checksum

    expected = _released_checksums(stage)
    present = {}
    for cell in nb.cells:
        if grade_id(cell) in expected:
            present[grade_id(cell)] = compute_checksum(cell)
    return sorted(g for g, checksum in expected.items() if present.get(g) != checksum)
