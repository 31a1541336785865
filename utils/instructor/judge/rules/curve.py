"""Rule "curve": a deletion or insertion curve, point by point within an absolute tolerance of the answer key's."""

from __future__ import annotations

import numpy as np
import torch

from ..mistakes import Failure, mistake
from .base import CaseToCompute, CaseToJudge, Rule, float64_array, largest_difference


class Curve(Rule):
    """max_k |actual_k − expected_k| ≤ rtol over the steps + 1 points k = 0..steps, each the softmax probability
    of the target class after step k (so in [0, 1]). Right ends with a wrong middle is a wrong pixel order."""

    name = "curve"
    has_tolerance = True

    def expected(self, asked: CaseToCompute) -> tuple[dict, dict]:
        return {}, {"value": float64_array(asked.answer())}

    def error(self, actual, expected: dict, facts: dict) -> float:
        """max_k |actual_k − expected_k|."""
        return largest_difference(actual, expected["value"])

    def judge(self, case: CaseToJudge):
        rtol = case.rtol
        value = case.value()
        wanted = torch.from_numpy(np.array(case.expected["value"], dtype=np.float64)).reshape(-1)
        if not isinstance(value, torch.Tensor):
            raise AssertionError(f"{case.about}: returned one number; return the whole curve, steps + 1 "
                                 "probabilities.")
        if value.numel() != wanted.numel() or value.dim() > 2:
            raise AssertionError(f"{case.about}: returned {value.numel()} values (shape {tuple(value.shape)}); a "
                                 "curve has steps + 1 points, from step 0 (nothing changed yet) to step steps (every "
                                 "pixel changed).")
        actual = value.reshape(-1)
        if not torch.isfinite(actual).all():
            raise AssertionError(f"{case.about}: the curve holds NaN or infinite values.")
        if actual.min() < -1e-6 or actual.max() > 1 + 1e-6:
            raise Failure(f"{case.about}: the curve has values outside [0, 1]; it holds the softmax PROBABILITY of "
                          "the target class after each step, not its logit.", mistake="logit_not_probability")
        error = (actual - wanted).abs()
        if error.max() <= rtol:
            return
        if error[0] <= rtol and error[-1] <= rtol:
            raise Failure(f"{case.about}: the first and last points are right but some in between are not (off "
                          f"by up to {error.max().item():.3g}). {mistake('pixel_order').cause}", mistake="pixel_order")
        raise AssertionError(f"{case.about}: the curve differs from the expected one by up to "
                             f"{error.max().item():.3g} (at most {rtol:g} is accepted), also at its ends. Check: the "
                             "model in eval mode, the softmax over the classes, the target's column, and the start (x "
                             "for deletion, the baseline for insertion).")
