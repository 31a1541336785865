"""Stage 03, Integrated Gradients, on the cubic model F(x) = Σ w·x³, where every quadrature rule has a
closed form.

IG(x)_i = (x_i − x′_i) · ∫₀¹ ∂F/∂x_i(x′ + α(x − x′)) dα. The trapezoid rule over the S + 1 points α_k = k/S,
weights 1/(2S), 1/S, …, 1/S, 1/(2S), gives exactly w·(x³ − x′³) + w·(x − x′)³ / (2S²) per input value; the
rules a student might write instead (left or right Riemann, a plain mean, weights that do not add up to 1,
Gauss-Legendre, Captum's trapezoid unrescaled or over S points) each give another value, so the check names
them. The path points may go through the model in batches: the result must not change, and no batch may
hold more than ``batch_size`` points.
"""

from __future__ import annotations

import numpy as np
import torch

from utils.known_cases import cubic_case
from utils.properties import as_float_tensor, relative_l2

from .likely_mistake import _MATCH, _likely_mistake
from .running import run_exercise


# --- a cubic model: every quadrature rule of Integrated Gradients has a closed form ---------------

def _rule_on_cubic(model, x, baseline, target, points, weights, factor: bool = True) -> torch.Tensor:
    """(x − x′) ⊙ Σ_k w_k ∂F/∂x(x′ + α_k(x − x′)) on the cubic model, from its closed-form gradient."""
    w = model.weight.detach()[target].reshape(x.shape)
    d = x - baseline
    average = sum(float(wk) * 3 * w * (baseline + float(a) * d) ** 2 for a, wk in zip(points, weights))
    return d * average if factor else average


def _rules(steps: int) -> dict:
    """Points and weights of the rules a student might write for ``steps`` (S + 1 points k/S unless said)."""
    S = steps
    grid = [k / S for k in range(S + 1)]
    trapezoid = [0.5 / S] + [1 / S] * (S - 1) + [0.5 / S]
    legendre, legendre_weights = np.polynomial.legendre.leggauss(max(S + 1, 2))
    rules = {
        "trapezoid": (grid, trapezoid),
        "left": (grid[:-1], [1 / S] * S),
        "right": (grid[1:], [1 / S] * S),
        "mean": (grid, [1 / (S + 1)] * (S + 1)),
        "all_one_over_S": (grid, [1 / S] * (S + 1)),
        "exact": ((legendre + 1) / 2, legendre_weights / 2),
        "no_rescaling": (grid, [w * S / (S + 1) for w in trapezoid]),
    }
    if S > 1:  # Captum's riemann_trapezoid with n_steps = S, rescaled by (S + 1)/S
        rules["n_points_S"] = ([k / (S - 1) for k in range(S)], [(0.5 if k in (0, S - 1) else 1.0) / S * (S + 1) / S
                                                                  for k in range(S)])
    return rules


_IG_MISTAKES = {
    "left": "looks like a left Riemann sum (the points k/S for k = 0..S-1, weight 1/S each): the trapezoid rule also "
            "uses the input end (k = S) and gives both end points half weight, 1/(2S).",
    "right": "looks like a right Riemann sum (the points k/S for k = 1..S, weight 1/S each): the trapezoid rule also "
             "uses the baseline end (k = 0) and gives both end points half weight, 1/(2S).",
    "mean": "looks like a plain mean over the S+1 points (weight 1/(S+1) each): the trapezoid rule gives the "
            "interior points 1/S and the two end points 1/(2S).",
    "all_one_over_S": "gives all S+1 points the weight 1/S, so the weights add up to (S+1)/S: the two end points "
                      "get half of that, 1/(2S).",
    "exact": "equals the exact integral, which the trapezoid rule does not reach on this model (it is exact only "
             "when the gradient is linear along the path): another quadrature was used (Captum's default, "
             "Gauss-Legendre?). Use the trapezoid rule over the S+1 points k/S.",
    "no_rescaling": "is the trapezoid IG times S/(S+1): Captum's riemann_trapezoid weights add up to S/(S+1), not 1; "
                    "multiply by (steps + 1) / steps.",
    "n_points_S": "evaluates S points instead of S+1, so they are not the points k/S: the path has steps + 1 points "
                  "(both ends included).",
    "baseline_ignored": "is IG from a zero baseline although a baseline was passed: use the `baseline` argument "
                        "(zeros only when it is None).",
    "no_difference": "is the averaged gradient without the (input - baseline) factor: multiply by (x - x').",
}


def _ig_candidates(model, x, baseline, target, steps) -> dict:
    rules = _rules(steps)
    candidates = {key: (_rule_on_cubic(model, x, baseline, target, *rules[key]), _IG_MISTAKES[key])
                  for key in rules if key != "trapezoid"}
    zeros = torch.zeros_like(x)
    if not torch.equal(baseline, zeros):
        candidates["baseline_ignored"] = (_rule_on_cubic(model, x, zeros, target, *rules["trapezoid"]),
                                          _IG_MISTAKES["baseline_ignored"])
    candidates["no_difference"] = (_rule_on_cubic(model, x, baseline, target, *rules["trapezoid"], factor=False),
                                   _IG_MISTAKES["no_difference"])
    return candidates


def trapezoid_on_cubic_model(model, x, baseline, target, steps) -> torch.Tensor:
    """The trapezoid IG over ``steps`` + 1 points on :class:`CubicModel`, from the closed-form gradient.

    Exactly w·(x³ − x′³) + w·(x − x′)³ / (2S²) per input value: the trapezoid rule overshoots
    ∫ 3w(x′ + αd)² dα by d²/(6S²) (its error term, for an integrand with constant second derivative).
    """
    return _rule_on_cubic(model, x, baseline, target, *_rules(steps)["trapezoid"])


def check_ig_on_cubic_model(function, name: str = "integrated_gradients", steps: int = 4) -> None:
    """``function(model, x, class, baseline=..., steps=...)``, with a baseline and without, on the cubic model.

    The result must be the trapezoid rule over the steps + 1 points k/S (closed form). Names the
    mistake when it is a left or right Riemann sum, a plain mean, weights that do not add up to 1,
    the exact integral (another quadrature), Captum's trapezoid without its rescaling or with one
    point too few, an ignored baseline, or the (x − x') factor missing.
    """
    model, x, baseline, target = cubic_case()
    for given in (baseline, None):
        kwargs = {"steps": steps} if given is None else {"baseline": given.clone(), "steps": steps}
        result = as_float_tensor(run_exercise(function, model, x.clone(), target, **kwargs), tuple(x.shape), name)
        start = torch.zeros_like(x) if given is None else given
        expected = trapezoid_on_cubic_model(model, x, start, target, steps)
        if relative_l2(result, expected) < _MATCH:
            continue
        how = "without a baseline (zeros)" if given is None else "with a non-zero baseline"
        cause = _likely_mistake(result, _ig_candidates(model, x, start, target, steps)) or (
            f"differs from the trapezoid rule by {relative_l2(result, expected):.1%} (relative L2 distance).")
        raise AssertionError(f"{name} on F(x) = Σ w·x³ {how}, steps={steps} (the trapezoid result is known exactly "
                             f"there: w(x³ - x'³) + w(x - x')³/(2S²)): the result {cause}")


#: What integrated_gradients(..., batch_size=None) sends through the model at most, at once.
DEFAULT_IG_BATCH = 8


def check_ig_batches(function, name: str = "integrated_gradients", steps: int = 40, batch_size: int = 3) -> None:
    """The same result in batches of ``batch_size`` path points, never more at once; None means at most 8."""
    model, x, baseline, target = cubic_case()
    expected = trapezoid_on_cubic_model(model, x, baseline, target, steps)
    for size, limit in ((batch_size, batch_size), (None, DEFAULT_IG_BATCH)):
        model.largest_batch = 0
        try:
            value = run_exercise(function, model, x.clone(), target, baseline=baseline.clone(), steps=steps,
                                 batch_size=size)
        except TypeError as error:
            if "batch_size" in str(error):
                raise AssertionError(f"{name} has no `batch_size` argument: add `batch_size=None` to its "
                                     "signature.") from None
            raise
        result = as_float_tensor(value, tuple(x.shape), name)
        if model.largest_batch > limit:
            given = f"batch_size={size}" if size else "batch_size=None (the default, at most 8 points at a time)"
            raise AssertionError(f"{name} with steps={steps}, {given} sent {model.largest_batch} path points through "
                                 f"the model at once; send at most {limit} at a time.")
        if relative_l2(result, expected) >= _MATCH:
            raise AssertionError(f"{name} with steps={steps}, batch_size={size}: the result differs from the trapezoid "
                                 f"rule by {relative_l2(result, expected):.1%}. Each batch must add its points' "
                                 "gradients, weighted by their position k in the whole path, to one running total.")
