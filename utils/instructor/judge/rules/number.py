"""Rule "number": one number within an absolute tolerance of the answer key's."""

from __future__ import annotations

import math

import numpy as np
import torch

from .base import CaseToCompute, CaseToJudge, Rule, float64_array


class Number(Rule):
    """|actual − expected| ≤ rtol (here an absolute tolerance), for one finite number (a Python number, or an
    array or tensor of one element)."""

    name = "number"
    has_tolerance = True

    def expected(self, asked: CaseToCompute) -> tuple[dict, dict]:
        return {}, {"value": float64_array(asked.answer())}

    def error(self, actual, expected: dict, facts: dict) -> float:
        """|actual − expected|."""
        return abs(float(actual) - float(np.asarray(expected["value"], dtype=np.float64).reshape(-1)[0]))

    def judge(self, case: CaseToJudge):
        actual = _one_number(case)
        if not self.error(actual, case.expected, case.facts) <= case.rtol:
            raise AssertionError(f"{case.about}: returned {actual:.6g}, which is not the expected value (a "
                                 f"difference of at most {case.rtol:g} is accepted).")


def _one_number(case: CaseToJudge) -> float:
    value = case.value()
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise AssertionError(f"{case.about}: returned an array of shape {tuple(value.shape)}; return one number.")
        value = value.item()
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        raise AssertionError(f"{case.about}: returned {value!r}; return one finite number (a float).")
    return float(value)
