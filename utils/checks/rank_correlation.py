"""Stage 08, Spearman's rank correlation of two maps: Pearson's correlation of their ranks, tied values
sharing the mean of their ranks, on |map| by default; 0.0 for a constant map (it has no ranking), and a
``ValueError`` for NaN or infinite values. With no ties, ρ = 1 − 6 Σ d_i² / (n(n² − 1)).
"""

from __future__ import annotations

import numpy as np
import torch

from .result_form import check_scalar
from .running import ExerciseNotDone, run_exercise


# --- Spearman's rank correlation on maps whose ranks are easy to write down -----------------------

#: (map_a, map_b, absolute, ρ, why). ρ was worked out by hand from the ranks
#: (tests/student/checks/test_rank_correlation.py checks every value against scipy.stats.spearmanr).
RANK_CASES = [
    ([[1.0, -2.0], [3.0, 4.0]], [[1.0, 3.0], [-2.0, 4.0]], True, 0.8,
     "|a| ranks its entries 1, 2, 3, 4 and |b| 1, 3, 2, 4"),
    ([[1.0, -2.0], [3.0, 4.0]], [[1.0, 3.0], [-2.0, 4.0]], False, 0.2,
     "a (signed) ranks its entries 2, 1, 3, 4 and b 2, 3, 1, 4"),
    ([1.0, 2.0, 3.0, 40.0], [1.0, 2.0, 3.0, 4.0], True, 1.0, "both rank their entries 1, 2, 3, 4"),
    ([1.0, -1.0, 2.0, 0.0, 3.0], [1.0, 2.0, -2.0, 0.0, 3.0], True, 35 / 38,
     "|a| has ranks 2.5, 2.5, 4, 1, 5 and |b| 2, 3.5, 3.5, 1, 5 (ties share the mean of their ranks)"),
    ([0.0, 0.0, 1.0, 2.0, -3.0], [0.0, 1.0, 1.0, 2.0, -3.0], False, 35 / 38,
     "a (signed) has ranks 2.5, 2.5, 4, 5, 1 and b 2, 3.5, 3.5, 5, 1 (ties share the mean of their ranks)"),
]


def check_rank_correlation(function, name: str = "rank_correlation") -> None:
    """``function(map_a, map_b, absolute=...)`` on :data:`RANK_CASES`, constant maps and mixed inputs.

    Names the mistake when the signs are kept with absolute=True or dropped with absolute=False, when it
    is Pearson's correlation of the values, when tied values get distinct ranks, when a constant map (on
    either side, or constant only after |.|) gives anything but 0.0, and when NaN is not refused.
    """
    as_tensor = lambda v: torch.tensor(v, dtype=torch.float32)  # noqa: E731
    for a, b, absolute, rho, why in RANK_CASES:
        for first, second in ((as_tensor(a), as_tensor(b)), (np.array(a), as_tensor(b)), (as_tensor(a), np.array(b))):
            call = f"{name}({a}, {b}, absolute={absolute})"
            mixed = "" if type(first) is type(second) else (
                f" with map_a a {type(first).__name__} and map_b a {type(second).__name__}")
            try:
                got = check_scalar(run_exercise(function, first, second, absolute=absolute), name)
            except (AttributeError, TypeError, RuntimeError) as error:
                if not mixed:
                    raise
                raise AssertionError(f"{call}{mixed} failed ({type(error).__name__}: {error}): it must accept "
                                     "tensors and NumPy arrays alike (convert both to one type first).") from None
            if abs(got - rho) < 1e-6:
                continue
            values = [np.abs(np.ravel(v)) if absolute else np.ravel(v) for v in (a, b)]
            pearson = float(np.corrcoef(*values)[0, 1])
            cause = "check the formula of the markdown."
            if abs(got - pearson) < 1e-6 and abs(pearson - rho) > 1e-6:
                cause = ("that is Pearson's correlation of the values; Spearman's is Pearson's correlation of "
                         "the ranks, so any increasing relation gives 1.")
            elif mixed:
                cause = "it must accept tensors and NumPy arrays alike (convert both to one type first)."
            elif rho == 0.8 and abs(got - 0.2) < 1e-6:
                cause = "that is the correlation of the signed maps: with absolute=True compare |a| with |b|."
            elif rho == 0.2 and abs(got - 0.8) < 1e-6:
                cause = "that is the correlation of |a| and |b|: with absolute=False compare the signed maps."
            elif "ties" in why and abs(got - 1.0) < 1e-6:
                cause = ("the tied values got different ranks (e.g. argsort of argsort); tied values share the "
                         "mean of their ranks.")
            raise AssertionError(f"{call}{mixed} returned {got:.4f}, expected {rho:.4f}: {why}. {cause}")
    generator = torch.Generator().manual_seed(41)
    varied = torch.rand(3, 3, generator=generator) - 0.5
    for a, b, what in ((torch.full((3, 3), 2.0), varied, "map_a constant"),
                       (varied, torch.full((3, 3), 2.0), "map_b constant"),
                       (torch.ones(3, 3), torch.ones(3, 3), "both maps constant"),
                       (torch.tensor([[1.0, -1.0, 1.0], [-1.0, 1.0, -1.0], [1.0, 1.0, -1.0]]), varied,
                        "map_a constant after taking absolute values (entries ±1)")):
        try:
            got = check_scalar(run_exercise(function, a, b), name)
        except AssertionError as error:
            if isinstance(error, ExerciseNotDone):
                raise
            raise AssertionError(f"{name} with {what}: {error} A constant map has no ranking: return 0.0 "
                                 "(check both maps, after taking absolute values).") from None
        except ZeroDivisionError:
            raise AssertionError(f"{name} with {what} divided by zero: a constant map has no ranking; return "
                                 "0.0 (check both maps, after taking absolute values).") from None
        if got != 0.0:
            raise AssertionError(f"{name} with {what} returned {got}; a constant map has no ranking: return 0.0.")
    nan = torch.tensor([[1.0, float("nan")], [2.0, 3.0]])
    try:
        got = run_exercise(function, nan, torch.ones(2, 2) + torch.eye(2))
    except ValueError:
        return
    raise AssertionError(f"{name} with a map holding NaN returned {got!r}; a map with NaN or infinite values has "
                         "no ranking: raise ValueError.")
