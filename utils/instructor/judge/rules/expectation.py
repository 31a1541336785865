"""Rule "expectation": a Monte-Carlo estimate of Expected Gradients, judged by what its draws must average to, not
by one implementation's random numbers."""

from __future__ import annotations

import math

import torch

from utils.properties import as_float_tensor
from utils.recording._cases import HiddenTest

from ... import reference
from ..mistakes import Failure, mistake
from .base import CaseToCompute, CaseToJudge, Rule, float64_array

#: draws of the one-sample estimator from which the judge measures its spread; IG steps for its expectation
SPREAD_DRAWS, IG_STEPS = 1024, 64
#: standard errors allowed: a correct estimate fails with odds below 1e-6 (one dominant direction: a χ²₁ tail)
STANDARD_ERRORS = 5.0


class Expectation(Rule):
    """EG(x) = (1/n) Σ_s (x − x′_s) ⊙ ∇F(x′_s + α_s (x − x′_s)), x′_s drawn from the background, α_s ~ U(0, 1).

    Its expectation is the mean over the background of IG(x; x′_j) (the integral over α), computed by the answer
    key's IG; the spread of one draw (trace of its covariance, and the variance of its sum) is measured from
    ``SPREAD_DRAWS`` draws of the answer key. Each case passes when

        ‖EG − E[EG]‖₂ ≤ 5 √(tr Cov / n)          |Σ_i EG_i − (F(x) − mean_j F(x′_j))| ≤ 5 √(Var Σ / n)

    (on a linear model E[EG] = w ⊙ (x − mean(background)) exactly); together, two calls with generators seeded
    alike must agree, with other seeds or no generator (torch's global one) they must differ.
    """

    name = "expectation"

    def expected(self, asked: CaseToCompute) -> tuple[dict, dict]:
        model, x, target, background = asked.case.args
        generator = asked.case.kwargs.get("generator")
        n_samples = asked.case.kwargs.get("n_samples", 64)
        count = background.shape[0]
        copies = x.expand(count, *x.shape[1:])
        expectation = reference.integrated_gradients(model, copies, [target] * count, baseline=background,
                                                     steps=IG_STEPS).mean(0, keepdim=True)
        draws = asked.answer_key()(model, x.expand(SPREAD_DRAWS, *x.shape[1:]), [target] * SPREAD_DRAWS,
                                             background, n_samples=1, generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            ends = model.eval()(torch.cat([x, background]))[:, target]
        facts = dict(shape=list(x.shape), n_samples=n_samples, seed=None if generator is None else generator.initial_seed(),
                     trace=float(draws.double().var(0).sum()), sum_variance=float(draws.double().flatten(1).sum(1).var()),
                     change=float(ends[0] - ends[1:].mean()))
        return facts, {"value": float64_array(expectation)}

    def judge(self, case: CaseToJudge):
        facts = case.facts
        actual = as_float_tensor(case.value(), tuple(facts["shape"]), case.function)
        if not torch.isfinite(actual).all():
            raise AssertionError(f"{case.about}: the result holds NaN or infinite values.")
        n = facts["n_samples"]
        distance = (actual - torch.from_numpy(case.expected["value"])).norm().item()
        if not distance <= STANDARD_ERRORS * math.sqrt(facts["trace"] / n):
            raise Failure(f"{case.about}: the map is further from the expectation than {n} draws explain. "
                          f"{mistake('eg_not_expectation').cause}", mistake="eg_not_expectation")
        gap = abs(actual.sum().item() - facts["change"])
        if not gap <= STANDARD_ERRORS * math.sqrt(facts["sum_variance"] / n):
            raise Failure(f"{case.about}: the attributions add up to {gap:.3g} away from F(x) − mean F(x′), more "
                          f"than {n} draws explain. {mistake('eg_completeness').cause}", mistake="eg_completeness")
        return facts["seed"], actual

    def judge_together(self, test: HiddenTest, results: list) -> None:
        for i, (seed, first) in enumerate(results):
            for other_seed, second in results[i + 1:]:
                same = torch.equal(first, second)
                if seed is not None and seed == other_seed and not same:
                    raise Failure(f"{test.function}: two calls with generators seeded alike gave different results. "
                                  f"{mistake('eg_generator_ignored').cause}", mistake="eg_generator_ignored")
                if (seed is None or seed != other_seed) and same:
                    raise Failure(f"{test.function}: two calls that should draw differently gave the same result. "
                                  f"{mistake('eg_not_fresh').cause}", mistake="eg_not_fresh")
