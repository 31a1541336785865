"""Rule "smoothgrad": the mean of explain's results on independent noisy copies of the input."""

from __future__ import annotations

import math

import numpy as np
import torch

from utils.properties import SAME_NOISE_CORRELATION, as_float_tensor, largest_noise_correlation, relative_l2

from ..mistakes import Failure, mistake
from .base import CaseToCompute, CaseToJudge, Rule, float64_array, lower_first


class SmoothGrad(Rule):
    """SmoothGrad(x) = 1/n Σᵢ explain(x + εᵢ), εᵢ ~ N(0, σ²) drawn afresh for each i, judged from the record of
    explain's calls (the noisy inputs it was given), not from one implementation's random numbers.

    The test's ``explain`` is a recording stand-in: with a ``scale`` it returns scale · its input, so the expected
    mean follows from the recorded noisy inputs; without one (a real explanation, noise_std = 0) the result must be
    explain(x) itself, which the answer key computes.
    """

    name = "smoothgrad"
    uses_answer_key = False

    def expected(self, asked: CaseToCompute) -> tuple[dict, dict]:
        case = asked.case
        explain, _model, x, target = case.args
        facts = dict(n_samples=case.kwargs.get("n_samples", 25), noise_std=case.kwargs.get("noise_std", 0.1),
                     target=int(target), shape=list(x.shape), scale=getattr(explain, "scale", None))
        arrays = {"x": float64_array(x).reshape(-1)}
        if facts["scale"] is None:
            arrays["value"] = float64_array(explain(case.model, x, target))
        return facts, arrays

    def judge(self, case: CaseToJudge):
        name, facts = case.function, case.facts
        value = case.value()
        shape = tuple(facts["shape"])
        actual = as_float_tensor(value, shape, name)
        if facts["scale"] is None:
            wanted = torch.from_numpy(case.expected["value"]).reshape(shape)
            if not relative_l2(actual, wanted) <= 1e-5:
                raise AssertionError(f"{case.about}: the result is not the explanation of x itself.")
            return
        calls = case.record.get("calls") or {}
        n, std = facts["n_samples"], facts["noise_std"]
        if calls.get("count") != n:
            raise AssertionError(f"{case.about}: explain was called {calls.get('count')} times instead of n_samples.")
        if not calls.get("model_passed_on") or any(c != facts["target"] for c in calls.get("classes", [])):
            # class_idx: the parameter's name in the notebook's graded signature
            raise AssertionError(f"{case.about}: pass the model and class_idx on to explain unchanged.")
        noisy = torch.from_numpy(np.array(case.arrays[f"{case.key}_noisy"], dtype=np.float64))
        if tuple(noisy.shape) != (n, int(np.prod(shape))):
            raise AssertionError(f"{case.about}: explain was given inputs of another shape than x.")
        noise = noisy - torch.from_numpy(case.expected["x"])
        spread = noise.std().item()
        if std == 0:
            if spread != 0:
                raise AssertionError(f"{case.about}: with noise_std=0 the copies must equal the input.")
        else:
            if n > 1:  # first: one draw reused also skews the spread and mean tests, which then name the wrong cause
                _independent(case, noise)
            # Five standard errors of the estimates from n draws (std: σ/√(2n), mean: σ/√n): a correct draw
            # fails with odds below 1e-6 even on the visible test's 7 × 64 values, while the variance in place
            # of the standard deviation is off by 50 % or more at the σ the tests use.
            n_values = noise.numel()
            if not abs(spread - std) <= 5 * std / math.sqrt(2 * n_values):
                raise Failure(f"{case.about}: {lower_first(mistake('noise_std').cause)}", mistake="noise_std")
            if not abs(noise.mean().item()) <= 5 * std / math.sqrt(n_values):
                raise AssertionError(f"{case.about}: the noise should have mean zero.")
        mean = (facts["scale"] * noisy).mean(0).reshape(shape)
        if not relative_l2(actual, mean) <= 1e-5:
            raise Failure(f"{case.about}: {lower_first(mistake('not_plain_mean').cause)}", mistake="not_plain_mean")


def _independent(case: CaseToJudge, noise: torch.Tensor) -> None:
    """Each sample's noise a fresh draw: no two samples' noises alike (see ``utils.properties``)."""
    if largest_noise_correlation(noise) > SAME_NOISE_CORRELATION:
        raise Failure(f"{case.about}: {lower_first(mistake('noise_reused').cause)}", mistake="noise_reused")
