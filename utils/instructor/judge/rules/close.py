"""Rule "close": an array within a relative L2 error of the answer key's, the likely cause named when it is not."""

from __future__ import annotations

import numpy as np
import torch

from utils.properties import as_float_tensor, relative_l2

from ..mistakes import Failure, computed, mistake
from .base import CaseToCompute, CaseToJudge, Rule, float64_array, lower_first


class Close(Rule):
    """‖actual − expected‖₂ / ‖expected‖₂ ≤ rtol, after lenient conversion (batch dimension, dtype, NumPy).

    A wrong answer is compared with what the answer key returns when it makes each classic mistake the test
    lists (``HiddenTest.mistakes``), then with −expected, |expected| and λ · expected, where
    λ = ⟨actual, expected⟩ / ⟨expected, expected⟩ is the least-squares scale; the first match names the cause.
    """

    name = "close"
    has_tolerance = True

    def expected(self, asked: CaseToCompute) -> tuple[dict, dict]:
        answer = asked.answer_key()
        arrays = {"value": float64_array(asked.answer())}
        for name in asked.test.mistakes:
            arrays[f"mistake:{name}"] = float64_array(asked.summarised(computed(name).compute(answer, asked.case)))
        return {}, arrays

    def error(self, actual, expected: dict, facts: dict) -> float:
        """‖actual − expected‖₂ / ‖expected‖₂, ``actual`` already of the expected shape."""
        return relative_l2(actual, torch.from_numpy(expected["value"]))

    def judge(self, case: CaseToJudge):
        name, rtol = case.function, case.rtol
        value = case.value()
        wanted = torch.from_numpy(case.expected["value"])
        actual = as_float_tensor(value if isinstance(value, torch.Tensor) else np.asarray(value, dtype=float),
                                 tuple(wanted.shape), name)
        if not torch.isfinite(actual).all():
            raise AssertionError(f"{case.about}: the result holds NaN or infinite values; check for a division by "
                                 "zero.")
        error = self.error(actual, case.expected, case.facts)
        if error <= rtol:
            return
        found, why = None, ""
        matched = [entry.removeprefix("mistake:") for entry, signature in case.expected.items()
                   if entry.startswith("mistake:") and signature.shape == tuple(wanted.shape)
                   and relative_l2(actual, torch.from_numpy(signature)) <= rtol]
        if matched:
            found = matched[0]
        elif relative_l2(-actual, wanted) <= rtol:
            found = "opposite_sign"
        elif relative_l2(actual, wanted.abs()) <= rtol:
            found = "absolute_value"
        elif wanted.abs().sum() > 0 and actual.abs().sum() > 0:
            ratio = ((actual * wanted).sum() / (wanted * wanted).sum()).item()
            if ratio != 0 and relative_l2(actual, ratio * wanted) <= rtol:
                found = "wrong_scale"
                why = f" It is the expected result times {ratio:.4g}: {lower_first(mistake(found).cause)}"
        if found and not why:
            why = " " + mistake(found).cause
        raise Failure(f"{case.about}: the result differs from the expected one by {error:.2%} "
                      f"(relative L2 error; at most {rtol:.2%} is accepted).{why}", mistake=found)
