"""Hand-ins that look copied: per stage, the code students wrote in the exercise cells, compared pairwise
with copydetect (MOSS's winnowing), the released stub code subtracted as boilerplate.

Each student's code for a stage is their exercise cells (the code cells the release leaves
``YOUR CODE HERE`` in), joined in the notebook's order. copydetect normalises the code
(comments and docstrings dropped, every name replaced by one symbol: renamed variables and
rewritten comments change nothing) and fingerprints it by winnowing:

    k-grams of the normalised code, k = NOISE (a match shorter than this is noise)
    one fingerprint per window of WINDOW k-grams (a match of GUARANTEE = NOISE + WINDOW - 1 is always found)
    fingerprints of the released stub (every k-gram of it) removed from both: the boilerplate

and for a pair (a, b), the share of a's normalised code covered by fingerprints also found in b,
and the other way round. ``similarity`` is the larger of the two: the part of the smaller
hand-in that also appears in the other (code copied and then extended is still found).

THRESHOLD, and why: the exercise functions are short, and short correct solutions converge
(the same three calls in the same order). Tried on the demo class (``make demo-class``):
independent correct solutions of ``vanilla_gradients`` in different styles share at most 0.46
of their code, one solution and another derived from it by changing one expression (a softmax
added) 0.74, and a copy with every variable renamed and its comments rewritten 1.0. A pair is
listed from 0.8 on. It is a list to look at, never a penalty: two students who both wrote the
shortest solution may well be listed, and a student who rewrote a copy thoroughly may not be.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from copydetect.detector import CodeFingerprint, compare_files

from ..cells import grade_id, is_grade, is_solution

#: copydetect's defaults (noise threshold 25, guarantee threshold 30 characters of normalised code).
NOISE, GUARANTEE = 25, 30
WINDOW = GUARANTEE - NOISE + 1
THRESHOLD = 0.8


@dataclass(frozen=True)
class SimilarPair:
    """Two students' code for one stage and how much of it they share (``student_a`` < ``student_b``)."""

    stage: str
    student_a: str
    student_b: str
    similarity: float        # the larger of the two shares (see the module's docstring)
    matched_tokens: int      # normalised characters of a's code found in b (the size of the match)
    code_a: str
    code_b: str
    marked_a: str            # the code as HTML, the parts found in the other student's code in <mark>
    marked_b: str


def exercise_ids(source_nb) -> list[str]:
    """The grade ids of the exercise cells: code cells the student writes in that are not graded by hand."""
    return [grade_id(c) for c in source_nb.cells if c.cell_type == "code" and is_solution(c) and not is_grade(c)]


def exercise_code(nb, ids: list[str]) -> str:
    """The code of ``nb``'s cells with these grade ids, joined in the order of ``ids`` (a cell that is gone: none)."""
    by_id = {grade_id(c): c.source for c in nb.cells if c.cell_type == "code"}
    return "\n\n".join(by_id[i] for i in ids if by_id.get(i, "").strip())


def _fingerprint(name: str, code: str, boilerplate: np.ndarray) -> CodeFingerprint:
    return CodeFingerprint(f"{name}.py", NOISE, WINDOW, boilerplate=boilerplate, fp=io.StringIO(code),
                           language="python")


def boilerplate_hashes(code: str) -> np.ndarray:
    """Every k-gram hash of ``code`` (the released stubs), as copydetect's Detector builds its boilerplate."""
    fingerprint = CodeFingerprint("boilerplate.py", NOISE, 1, fp=io.StringIO(code), language="python")
    return np.array(sorted(fingerprint.hashes))


def _marked(code: str, slices: np.ndarray) -> str:
    """``code`` as HTML with the character ranges ``slices`` (2 × N: starts, ends) in <mark>."""
    parts, position = [], 0
    for start, end in sorted(zip(*slices)) if len(slices) and len(slices[0]) else []:
        start, end = max(int(start), position), int(end)
        if end <= start:
            continue
        parts += [html.escape(code[position:start]), "<mark>", html.escape(code[start:end]), "</mark>"]
        position = end
    parts.append(html.escape(code[position:]))
    return "".join(parts)


def compare(stage: str, codes: dict[str, str], stub: str, threshold: float = THRESHOLD) -> list[SimilarPair]:
    """Every pair of students in ``codes`` ({student: exercise code}) at or above ``threshold``, the most
    similar first (ties: the larger match first). ``stub`` is the released code of the same cells."""
    boilerplate = boilerplate_hashes(stub)
    prints = {student: _fingerprint(student, code, boilerplate) for student, code in sorted(codes.items())}
    pairs = []
    for a, b in combinations(sorted(prints), 2):
        overlap, (share_a, share_b), (slices_a, slices_b) = compare_files(prints[a], prints[b])
        similarity = float(max(share_a, share_b))
        if overlap and similarity >= threshold:
            pairs.append(SimilarPair(stage, a, b, round(similarity, 4), int(overlap), codes[a], codes[b],
                                     _marked(codes[a], slices_a), _marked(codes[b], slices_b)))
    return sorted(pairs, key=most_similar_first)


def most_similar_first(pair: SimilarPair) -> tuple:
    """Sort key: the most similar pair first; among equally similar ones, the larger match first."""
    return -pair.similarity, -pair.matched_tokens, pair.stage, pair.student_a, pair.student_b
