"""Rule "gap": the completeness gap, one number close to the answer key's."""

from __future__ import annotations

import math

import torch

from ..mistakes import Failure, mistake
from .base import CaseToCompute, CaseToJudge, Rule


class Gap(Rule):
    """gap = Σᵢ attributionsᵢ − (F(x) − F(x′)), accepted within rtol · max(1, |F(x) − F(x′)|).

    The scale |F(x) − F(x′)| is |Σ attributions − gap|, from the answer key's gap; the opposite sign
    (the change minus the sum) is named.
    """

    name = "gap"
    has_tolerance = True

    def expected(self, asked: CaseToCompute) -> tuple[dict, dict]:
        _model, _x, _target, attributions, _baseline = asked.case.args
        value = asked.answer()
        return {"value": float(value),
                "scale": abs(float(torch.as_tensor(attributions).double().sum()) - float(value))}, {}

    def error(self, actual, expected: dict, facts: dict) -> float:
        """|actual − gap| / max(1, |F(x) − F(x′)|): ``rtol`` is relative to the change of the logit, or absolute
        below 1."""
        return abs(float(actual) - facts["value"]) / max(1.0, facts["scale"])

    def judge(self, case: CaseToJudge):
        value = case.value()
        if isinstance(value, torch.Tensor):
            if value.numel() != 1:
                raise AssertionError(f"{case.function} returned an array of shape {tuple(value.shape)}; return one "
                                     "float.")
            value = value.item()
        if not (isinstance(value, float) or isinstance(value, int)) or not math.isfinite(value):
            raise AssertionError(f"{case.about}: returned {value!r}; return one finite float.")
        if not self.error(value, case.expected, case.facts) <= case.rtol:
            flipped = self.error(-value, case.expected, case.facts) <= case.rtol
            raise Failure(f"{case.about}: the value is not the expected gap (sum of the attributions minus the "
                          "change of the target logit from the baseline to the input)."
                          + (f" {mistake('gap_sign').cause}" if flipped else ""),
                          mistake="gap_sign" if flipped else None)
