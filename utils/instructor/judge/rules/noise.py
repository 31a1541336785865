"""Rule "noise": a seeded uniform noise baseline, judged by what it must be, not by one generator's numbers."""

from __future__ import annotations

import torch

from utils.properties import as_float_tensor
from utils.recording._cases import HiddenTest

from ..mistakes import Failure
from .base import CaseToCompute, CaseToJudge, Rule


class Noise(Rule):
    """Each case: values in the model's input range [-1, 1], spread like U(-1, 1) (mean 0, standard deviation
    1/√3 ≈ 0.577, reaching past ±0.9) where there are enough of them (500) to tell.

    Together: the cases come in threes (an input, a copy of it, zeros of its shape; ``utils.recording.stage04``),
    and the three must be the same noise: seeded with the same seed on every call, drawn from the shape alone.
    """

    name = "noise"
    uses_answer_key = False

    def expected(self, asked: CaseToCompute) -> tuple[dict, dict]:
        return {"shape": list(asked.case.args[0].shape)}, {}

    def judge(self, case: CaseToJudge) -> torch.Tensor:
        actual = as_float_tensor(case.value(), tuple(case.facts["shape"]), case.function)
        if not torch.isfinite(actual).all() or actual.min() < -1 - 1e-6 or actual.max() > 1 + 1e-6:
            raise AssertionError(f"{case.about}: the noise leaves the model's input range [-1, 1].")
        if actual.numel() >= 500:
            # A normal draw or U(0, 1) is far off.
            if abs(actual.mean().item()) > 0.1 or abs(actual.std().item() - 3 ** -0.5) > 0.05 or \
                    actual.min() > -0.9 or actual.max() < 0.9:
                raise Failure(f"{case.about}: the values are not spread uniformly over [-1, 1] (mean "
                              f"{actual.mean().item():.2f}, standard deviation {actual.std().item():.2f}).",
                              mistake="noise_not_uniform")
        return actual

    def judge_together(self, test: HiddenTest, results: list) -> None:
        for start in range(0, len(results), 3):
            first, *others = results[start:start + 3]
            if not all(torch.equal(first, other) for other in others):
                raise Failure(f"{test.function}: two calls for inputs of shape {tuple(first.shape)} gave "
                              "different noise. Seed the generator (the same seed on every call), and draw "
                              "the noise from the shape alone, not from x's values.", mistake="noise_unseeded")
