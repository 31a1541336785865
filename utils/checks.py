"""Checks for the visible tests of the notebooks: shape, type and sanity, with
messages that tell a student what is wrong and how to fix it.

Graders are lenient on form: a NumPy array or a tensor, with or without the
leading batch dimension of 1, any float dtype. They are strict on values; the
values are checked by the hidden tests when the notebook is graded.

Importing this module also records the comparison functions and builtins as
they are before any student code runs (the notebooks import it in their first,
read-only cell); the graders use that record to notice if any were replaced.
"""

from __future__ import annotations

import builtins
import importlib
import math

import numpy as np
import torch
from torch import nn

from utils.calling import attempt, not_implemented_message
# The cases and properties below are shared with the hidden tests and the judge; the notebooks call them as checks.X.
from utils.known_cases import (CubicModel, TwoSquaresNet, cubic_case, equivalent_model,  # noqa: F401
                               linear_case, mac_cases, two_squares_case, two_squares_regions, untouched_random_state)
from utils.properties import (BLUR_MAX_DETAIL, BLUR_MAX_MEAN_SHIFT, BLUR_MIN_LAYOUT,  # noqa: F401
                              SAME_NOISE_CORRELATION, as_float_tensor, check_blur_baseline, describe_shape,
                              hook_count, largest_noise_correlation, layout_correlation, relative_l2,
                              total_variation)

_PRISTINE = {
    "numpy.allclose": np.allclose,
    "numpy.isclose": np.isclose,
    "numpy.array_equal": np.array_equal,
    "numpy.testing.assert_allclose": np.testing.assert_allclose,
    "numpy.testing.assert_array_almost_equal": np.testing.assert_array_almost_equal,
    "numpy.testing.assert_almost_equal": np.testing.assert_almost_equal,
    "numpy.testing.assert_array_equal": np.testing.assert_array_equal,
    "numpy.testing.assert_equal": np.testing.assert_equal,
    "torch.allclose": torch.allclose,
    "torch.isclose": torch.isclose,
    "torch.equal": torch.equal,
    "torch.testing.assert_close": torch.testing.assert_close,
    **{f"builtins.{name}": getattr(builtins, name)
       for name in ("abs", "all", "any", "float", "int", "isinstance", "len", "max", "min", "round",
                    "sum", "print", "range", "type", "getattr", "hasattr", "__import__")},
}


class ExerciseNotDone(AssertionError):
    """The function still raises NotImplementedError."""


def shaped_like(value, like: torch.Tensor, name: str = "your function") -> torch.Tensor:
    """A student's result as a tensor of ``like``'s shape, dtype and device (for figures and further use).

    Accepts what :func:`as_float_tensor` accepts (NumPy or torch, with or without
    the leading batch dimension of 1); anything else is an ``AssertionError`` that
    says what was returned.
    """
    return as_float_tensor(value, like.shape, name).to(dtype=like.dtype, device=like.device)


def check_attribution(value, expected_shape, name: str = "your function") -> torch.Tensor:
    """Form and sanity of a map: right shape, finite, not all zeros. Returns it as float64."""
    tensor = as_float_tensor(value, expected_shape, name)
    if not torch.isfinite(tensor).all():
        raise AssertionError(f"{name} returned NaN or infinite values; check for a division by zero.")
    if not tensor.abs().sum() > 0:
        raise AssertionError(f"{name} returned all zeros; gradients are probably not reaching the input "
                             "(did you detach it before the forward pass?).")
    return tensor


def check_scalar(value, name: str = "your function") -> float:
    """A single real number (a Python float, a 0-d or 1-element array or tensor)."""
    if isinstance(value, (torch.Tensor, np.ndarray)):
        if value.size == 1 if isinstance(value, np.ndarray) else value.numel() == 1:
            value = value.item()
        else:
            raise AssertionError(f"{name} returned an array of shape {tuple(value.shape)}; return one number.")
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise AssertionError(f"{name} returned {type(value).__name__}; return a float.")
    value = float(value)
    if not math.isfinite(value):
        raise AssertionError(f"{name} returned {value}; expected a finite number.")
    return value


def check_heatmap(value, expected_shape, name: str = "your function") -> torch.Tensor:
    """A CAM-style map: right shape, finite, values in [0, 1] with min 0 and max 1 (or all 0)."""
    tensor = as_float_tensor(value, expected_shape, name)
    if not torch.isfinite(tensor).all():
        raise AssertionError(f"{name} returned NaN or infinite values; guard the division by the maximum.")
    low, high = tensor.min().item(), tensor.max().item()
    if low < -1e-6 or high > 1 + 1e-6:
        raise AssertionError(f"{name} returned values in [{low:.3g}, {high:.3g}]; apply ReLU and min-max "
                             "normalise to [0, 1].")
    if high > 0 and (abs(low) > 1e-6 or abs(high - 1) > 1e-5):
        raise AssertionError(f"{name}: the map spans [{low:.3g}, {high:.3g}]; after min-max normalisation "
                             "its minimum is 0 and its maximum 1.")
    return tensor


def _resolve(dotted: str):
    module_name, _, attribute = dotted.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def replaced_functions() -> list[str]:
    """Comparison functions and builtins that are no longer the ones recorded at import."""
    return [name for name, original in _PRISTINE.items() if _resolve(name) is not original]


def run_exercise(function, *args, **kwargs):
    """Call a student's function; an untouched stub gives a clear message instead of a traceback.

    Also fails, with a message, when the call left a hook on a model it was given
    or when the notebook replaced a comparison function the checks rely on.
    """
    name = getattr(function, "__name__", "your function")
    models = [a for a in (*args, *kwargs.values()) if isinstance(a, torch.nn.Module)]
    hooks = [hook_count(m) for m in models]
    call = attempt(function, *args, **kwargs)
    if call.not_done:
        raise ExerciseNotDone(not_implemented_message(name)) from None
    if call.error is not None:
        raise call.error
    result = call.value
    if [hook_count(m) for m in models] != hooks:
        raise AssertionError(f"{name} left a hook on the model; remove every hook you register "
                             "(handle.remove()), ideally in a `finally:` block.")
    replaced = replaced_functions()
    if replaced:
        raise AssertionError(f"this notebook replaced {', '.join(replaced)}; the checks need the originals. "
                             "Remove the code that reassigns them and restart the kernel.")
    return result


# ---------------------------------------------------------------------------------------------------
# Visible checks on small models whose right answer is known in closed form. Each one names the
# likely mistake when a result matches what that mistake gives. They never run the course's answer
# key: the expected values come from the formulas in the notebooks' markdown.
# ---------------------------------------------------------------------------------------------------

_MATCH = 1e-4  # relative L2 distance under which two results count as the same


def _likely_mistake(actual, candidates: dict) -> str | None:
    """The explanation of the first candidate result that ``actual`` equals (within 1e-4), if any."""
    for value, explanation in candidates.values():
        if relative_l2(actual, value) < _MATCH:
            return explanation
    return None


# --- a linear classifier: the gradient of every logit is known ------------------------------------

def check_on_linear_model(function, name: str = "your function", times_input: bool = False) -> None:
    """``function(model, x, class)`` on :func:`linear_case`: the exact gradient (``times_input``: x ⊙ gradient).

    Names the mistake when the result is the gradient of the softmax probability or of its log,
    |gradient|, the predicted class's gradient, the opposite sign, or (with or without
    ``times_input``) the input factor missing or added.
    """
    model, x, target = linear_case()
    result = check_attribution(run_exercise(function, model, x.clone(), target), tuple(x.shape), name)
    weight = model[1].weight.detach()
    with torch.no_grad():
        p = model(x).softmax(dim=1)[0]
    row = lambda c: weight[c].reshape(x.shape)  # noqa: E731
    factor = x if times_input else torch.ones_like(x)
    expected = factor * row(target)
    mixed = row(target) - (p @ weight).reshape(x.shape)  # ∂ log p_c / ∂x
    what = ("the input times the gradient of the logit" if times_input else "the gradient of the logit")
    if relative_l2(result, expected) < _MATCH:
        return
    candidates = {
        "softmax": (factor * p[target] * mixed, "looks like the gradient of the softmax probability, not of the "
                    "logit: take output[0, target_class] directly, with no softmax."),
        "log_softmax": (factor * mixed, "looks like the gradient of the log-probability (log_softmax), not of the "
                        "logit: take output[0, target_class] directly."),
        "absolute": (expected.abs(), "is the absolute value of the right answer: keep the sign."),
        "negated": (-expected, "has the opposite sign of the right answer."),
        "predicted": (factor * row(int(p.argmax())), "explains the predicted class, not target_class."),
    }
    if times_input:
        candidates["no_input"] = (row(target), "is the plain gradient: multiply it by the input.")
    else:
        candidates["times_input"] = (x * row(target), "is the gradient times the input (that is Gradient × Input, "
                                     "stage 02): return the gradient itself.")
    cause = _likely_mistake(result, candidates) or (
        f"differs from {what} by {relative_l2(result, expected):.1%} (relative L2 distance).")
    raise AssertionError(f"{name} on a linear model F(x) = Wx + b, whose logit c has gradient W[c] at every "
                         f"input, for class {target}: the result {cause}")


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


# --- the CAM family on a hand-built network: two squares, one for the class and one against it -----

def _map_from(values: dict) -> torch.Tensor:
    out = torch.zeros(8, 8, dtype=torch.float64)
    for region, mask in two_squares_regions().items():
        out[mask] = values[region]
    return out


def _describe_regions(heatmap: torch.Tensor) -> str:
    return ", ".join(f"{region} {heatmap[mask].mean().item():.2f}" for region, mask in two_squares_regions().items())


def check_cam_on_two_squares(function, name: str = "your function", method: str = "Grad-CAM") -> None:
    """``function(model, x, 0)`` on :func:`two_squares_case` for ``method`` "CAM", "Grad-CAM" or "Grad-CAM++".

    CAM and Grad-CAM: 1 on the class's square, 0 elsewhere (the overlap's evidence cancels, the other
    square is negative, cut by ReLU). Grad-CAM++: channel 1's gradient is negative everywhere, so
    ReLU(g) gives it weight 0 and the map is square 0 whole, overlap included.
    """
    model, x, target = two_squares_case()
    heatmap = check_heatmap(run_exercise(function, model, x.clone(), target), (8, 8), name)
    keys = ("the class's square", "the overlap", "the square against the class", "the background")
    pattern = lambda *v: _map_from(dict(zip(keys, v)))  # noqa: E731
    plusplus = method == "Grad-CAM++"
    expected = pattern(1, 1, 0, 0) if plusplus else pattern(1, 0, 0, 0)
    if relative_l2(heatmap, expected) < 1e-3:
        return
    candidates = {
        "no_relu": (pattern(1, 0.5, 0, 0.5), "has no ReLU before the normalisation: the background (no evidence) "
                    "came out at 0.5 and the square against the class at 0. Apply ReLU to Σ_k w_k A^k, then min-max "
                    "normalise."),
        "absolute": (pattern(0.5, 1, 0.5, 0), "lights up the square against the class: keep the sign of the "
                     "weights (no absolute value of the gradients)."),
    }
    if plusplus:
        candidates["gradcam"] = (pattern(1, 0, 0, 0), "has the overlap at 0, so the channel against the class got "
                                 "a negative weight: Grad-CAM++ weights only positive gradients, w_k = Σ_ij α^k_ij · "
                                 "ReLU(g^k_ij), so a channel whose gradient is negative everywhere gets weight 0 "
                                 "(or this is plain Grad-CAM).")
        # |g| in place of ReLU(g) in the weights only: w0 = 1/2.25, w1 = 1/1.75 (α = 1/(2 + Σ A·g) here)
        w0, w1 = 1 / 2.25, 1 / 1.75
        candidates["absolute_weights"] = (pattern(w0 / (w0 + w1), 1, w1 / (w0 + w1), 0), candidates["absolute"][1])
    cause = _likely_mistake(heatmap, candidates)
    if cause is None:
        for value, message in candidates.values():
            if relative_l2(heatmap, value) < 0.05:
                cause = message
                break
    raise AssertionError(f"{name} on a hand-built network whose {method} map is known ({_describe_regions(expected)}): "
                         f"yours has {_describe_regions(heatmap)}. It " + (cause or "differs; check the formula."))


# --- the same network written two ways ------------------------------------------------------------

def check_same_map_on_equivalent_model(function, model, x, target, name: str = "your function") -> None:
    """``function`` must give the same map on ``model`` and on :func:`equivalent_model` of it (factor 1000).

    Grad-CAM++'s α = g² / (2g² + Σ A·g³) does not change when A shrinks and g grows by the same
    factor; an epsilon added to the denominator does, whenever g² is not far larger than it.
    """
    twin = equivalent_model(model)
    first = as_float_tensor(run_exercise(function, model, x.clone(), target), (28, 28), name)
    second = as_float_tensor(run_exercise(function, twin, x.clone(), target), (28, 28), name)
    distance = relative_l2(first, second)
    if distance > 1e-3:
        raise AssertionError(
            f"{name} gives another map ({distance:.0%} apart) on the same network written with act3 1000 times "
            "smaller and fc 1000 times larger. The exact Grad-CAM++ map is the same for both. At act3 the gradients "
            "are about 1e-4, so g² is about 1e-8: a small constant such as 1e-8 added to the denominator is not "
            "negligible there. Leave it out and set α = 0 where the denominator is 0 "
            "(torch.where(denominator != 0, ..., 0)).")


# --- SmoothGrad: fresh noise for every sample -------------------------------------------------------

def check_fresh_noise(noisy_inputs, x, noise_std: float, name: str = "smoothgrad") -> None:
    """The noise in each of ``noisy_inputs`` (what explain was given) is its own draw, of std ``noise_std``."""
    noise = torch.stack([torch.as_tensor(n).detach().to(torch.float64).reshape(-1) for n in noisy_inputs])
    noise = noise - torch.as_tensor(x).detach().to(torch.float64).reshape(1, -1)
    spread = noise.std().item()
    if not 0.7 * noise_std < spread < 1.3 * noise_std:
        raise AssertionError(f"{name}: the noise has standard deviation {spread:.2f}; noise_std={noise_std} is the "
                             "standard deviation (noise_std * torch.randn_like(x)), not the variance.")
    if largest_noise_correlation(noise) > SAME_NOISE_CORRELATION:
        raise AssertionError(f"{name}: two samples got the same noise. Draw fresh noise for every sample, inside "
                             "the loop (and do not re-seed the generator before each draw).")


# --- multiply-accumulates of a forward pass ---------------------------------------------------------

def check_mac_count(function, name: str = "count_flops_forward") -> None:
    """``function(model, in_ch, H, W)`` on four one-layer networks whose MACs are easy to count by hand."""
    for what, model, shape, formula, expected, mistakes in mac_cases():
        value = run_exercise(function, model.eval(), *shape)
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise AssertionError(f"{name} returned {type(value).__name__}; return an int (the number of MACs).")
        value = int(value)
        if value == expected:
            continue
        cause = mistakes.get(value)
        if cause is None and value == 2 * expected:
            cause = "counts FLOPs (2 per MAC): count multiply-accumulates."
        raise AssertionError(f"{name} on {what} returned {value:,}; it has {formula} MACs: {name} "
                             f"{cause or 'miscounts this layer; check the formula of the markdown.'}")


# --- each method in forward passes --------------------------------------------------------------------

def check_cost_multipliers(costs: dict, steps: int, n_samples: int, name: str = "cost_multipliers") -> None:
    """The table of the notebook, in forward-pass equivalents (backward ≈ 2 forwards, IG at steps + 1 points)."""
    S, N = steps, n_samples
    table = {"CAM": (1, "1 (one forward pass)"), "Grad-CAM": (3, "1 + 2 = 3"), "Grad-CAM++": (3, "1 + 2 = 3"),
             "Integrated Gradients": (3 * (S + 1), f"3(S+1) = {3 * (S + 1)}"),
             "SmoothGrad + IG": (3 * N * (S + 1), f"3N(S+1) = {3 * N * (S + 1)}"),
             "SmoothGrad + Grad-CAM": (3 * N, f"3N = {3 * N}"), "SmoothGrad + Grad-CAM++": (3 * N, f"3N = {3 * N}")}
    for method, (expected, formula) in table.items():
        got = costs.get(method)
        if isinstance(got, bool) or not isinstance(got, (int, float, np.integer, np.floating)):
            raise AssertionError(f"{name}({S}, {N})[{method!r}] is {got!r}; return a number.")
        if got == expected:
            continue
        per_pass = expected // 3 if method not in ("CAM",) else None
        if got in (2 * (S + 1), 2 * N * (S + 1), 2) or (per_pass and got == 2 * per_pass):
            cause = "counts a backward pass as one forward pass; by the convention it costs two, so forward + backward = 3."
        elif got in (3 * S, 3 * N * S):
            cause = "counts S path points; the trapezoid rule evaluates S + 1 (both ends)."
        elif per_pass and got == per_pass:
            cause = "counts only the forward passes; each also needs a backward pass (2 forwards)."
        elif method == "CAM":
            cause = "CAM needs no backward pass: the classifier's weights are read, not differentiated."
        else:
            cause = "see the table in the markdown."
        raise AssertionError(f"{name}({S}, {N})[{method!r}] is {got:g}; expected {formula}: {name} {cause}")


# --- your functions from another stage -------------------------------------------------------------

def your_functions(stage: str, *names: str, notebook=None) -> dict:
    """The functions you wrote in another stage's notebook, by name, e.g.
    ``your_functions("03_integrated_gradients", "interpolate_path", "integrated_gradients")``.

    Reads ``../<stage>/<stage>.ipynb`` (next to this notebook's folder, or ``notebook``) as last
    saved, and runs only the imports and function definitions of its exercise cells (nothing
    else), with ``torch`` and ``np`` available. Save that notebook first. A function that is
    still a stub raises :class:`ExerciseNotDone` when called through :func:`run_exercise`.
    """
    import ast
    import json
    from pathlib import Path

    path = Path(notebook) if notebook else Path.cwd().parent / stage / f"{stage}.ipynb"
    if not path.exists():
        raise FileNotFoundError(f"no notebook at {path}: your_functions looks for stage {stage} next to this "
                                "notebook's folder.")
    cells = json.loads(path.read_text())["cells"]
    namespace = {"torch": torch, "np": np, "__name__": f"your_{stage}"}
    for cell in cells:
        grading = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") != "code" or not grading.get("solution"):
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        try:
            tree = ast.parse(source)
        except SyntaxError as error:
            raise AssertionError(f"{path.name}: an exercise cell does not parse ({error}).") from None
        tree.body = [node for node in tree.body
                     if isinstance(node, (ast.FunctionDef, ast.Import, ast.ImportFrom))]
        exec(compile(tree, str(path), "exec"), namespace)  # noqa: S102 (your own code, from your own notebook)
    missing = [n for n in names if not callable(namespace.get(n))]
    if missing:
        raise AssertionError(f"{path.name} defines no {', '.join(missing)} in its exercise cells.")
    return {n: namespace[n] for n in names}


# ---------------------------------------------------------------------------------------------------
# Stage 08: sanity checks and faithfulness. Small networks whose right answers follow from the
# definitions of the notebook's markdown; each check names the likely mistake.
# ---------------------------------------------------------------------------------------------------

class SmallBatchNormNet(nn.Module):
    """conv1 → bn1 → ReLU → conv2 → global average pooling → fc, on (N, 1, 6, 6) inputs, 3 classes.

    Four parameterised layers, registered in the order of the forward pass (conv1, bn1, conv2, fc),
    every parameter and batch-norm statistic moved away from PyTorch's initialisation, so a
    re-initialised layer always shows. ``features`` holds conv1 and bn1 (a container: it owns no
    parameters itself).
    """

    layer_names = ("features.0", "features.1", "conv2", "fc")

    def __init__(self, seed: int = 40):
        super().__init__()
        with untouched_random_state():
            self.features = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.BatchNorm2d(3))
            self.act = nn.ReLU()
            self.conv2 = nn.Conv2d(3, 4, 3, padding=1)
            self.gap = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(4, 3)
        generator = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for tensor in (*self.parameters(), self.features[1].running_mean):
                tensor.add_(0.5 * torch.randn(tensor.shape, generator=generator))
            self.features[1].running_var.copy_(0.5 + torch.rand(3, generator=generator))

    def forward(self, x):
        return self.fc(self.gap(self.conv2(self.act(self.features(x)))).flatten(1))


def _layer_state(layer: nn.Module) -> dict:
    return {k: v.detach().clone() for k, v in layer.state_dict().items() if k != "num_batches_tracked"}


def _same_state(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _fresh_layer(layer: nn.Module, seed: int) -> dict:
    """What ``layer`` holds after ``torch.manual_seed(seed); layer.reset_parameters()`` (on a copy)."""
    import copy

    fresh = copy.deepcopy(layer)
    with untouched_random_state():
        torch.manual_seed(seed)
        fresh.reset_parameters()
    return _layer_state(fresh)


def check_randomize_layers(function, name: str = "randomize_layers") -> None:
    """``function(model, n_layers, seed=...)`` on :class:`SmallBatchNormNet` (handed over in train mode).

    Its parameterised layers, input side first: conv1, bn1 (inside a container), conv2, fc. For every
    n in 0..4 the top n must hold what ``reset_parameters()`` gives right after ``torch.manual_seed(seed)``
    (each layer on its own), the others their trained values, on a copy; the original and the caller's
    random state untouched; n = 5 and n = -1 raise ``ValueError``. Names the mistake when the original
    is changed, the model itself is returned, the batch norm is skipped, a container is counted, the
    seed is set once for all layers (or not at all), or the random state leaks.
    """
    with untouched_random_state():  # the check sets and reads the random state; the notebook's own is given back afterwards
        _check_randomize_layers(function, name)


def _check_randomize_layers(function, name: str) -> None:
    import copy

    model = SmallBatchNormNet().train()
    layers = [model.get_submodule(n) for n in SmallBatchNormNet.layer_names]
    labels = ["conv1", "bn1 (a BatchNorm2d)", "conv2", "fc"]
    trained = [_layer_state(layer) for layer in layers]
    original = copy.deepcopy(model.state_dict())
    for seed in (0, 7):
        expected = [_fresh_layer(layer, seed) for layer in layers]
        for n in (2, 4, 1, 3, 0):
            torch.manual_seed(1234)
            torch.rand(3)
            state = torch.random.get_rng_state()
            call = f"{name}(model, {n}, seed={seed})"
            try:
                result = run_exercise(function, model, n, seed=seed)
            except ValueError as error:
                raise AssertionError(f"{call} raised ValueError ({error}), but this network has 4 parameterised "
                                     "layers: conv1, bn1, conv2, fc. A batch norm counts: it owns parameters "
                                     "(γ and β) itself.") from None
            if not torch.equal(torch.random.get_rng_state(), state):
                raise AssertionError(f"{call} changed the caller's random state: draw inside "
                                     "`with torch.random.fork_rng():` so that the notebook's random numbers are "
                                     "the same with or without the call.")
            if not all(torch.equal(v, model.state_dict()[k]) for k, v in original.items()):
                raise AssertionError(f"{call} changed the original model: re-initialise the layers of a copy "
                                     "(copy.deepcopy(model)); the trained model must stay as it is.")
            if result is model:
                raise AssertionError(f"{call} returned the model itself; return a copy (copy.deepcopy(model)), "
                                     "even when nothing is re-initialised (n_layers=0).")
            if not isinstance(result, nn.Module):
                raise AssertionError(f"{call} returned {type(result).__name__}; return the randomised copy "
                                     "(a torch.nn.Module).")
            try:
                got = [_layer_state(result.get_submodule(n_)) for n_ in SmallBatchNormNet.layer_names]
            except AttributeError:
                raise AssertionError(f"{call} returned a model without the original's layers; return a copy of "
                                     "the whole model.") from None
            changed = [label for label, g, t in zip(labels, got, trained) if not _same_state(g, t)]
            wanted = labels[len(labels) - n:] if n else []
            if changed != wanted:
                cause = "check which layers you re-initialise."
                if n == 0 and changed:
                    cause = "with n_layers=0 nothing may change (careful: layers[-0:] is the whole list)."
                elif "bn1 (a BatchNorm2d)" in wanted and "bn1 (a BatchNorm2d)" not in changed:
                    cause = ("the batch norm was skipped: every module that owns parameters itself counts, "
                             "batch norms included (not only Conv2d and Linear).")
                raise AssertionError(f"{call} on a network whose parameterised layers are conv1, bn1, conv2, fc "
                                     f"(input side first): the layers that changed are {changed or 'none'}, "
                                     f"expected the top {n}: {wanted or 'none'}. {cause}")
            for label, g, e in zip(labels[len(labels) - n:], got[len(labels) - n:], expected[len(labels) - n:]):
                if not _same_state(g, e):
                    raise AssertionError(
                        f"{call}: {label} does not hold what its reset_parameters() gives right after "
                        f"torch.manual_seed({seed}). Seed before each layer (torch.manual_seed(seed), then "
                        "layer.reset_parameters()), not once for all of them, so that a layer's new weights depend "
                        "only on the seed and its shape, whatever n_layers is.")
    for n in (len(layers) + 1, -1):
        try:
            run_exercise(function, model, n)
        except ValueError:
            continue
        except AttributeError as error:
            raise AssertionError(f"{name}(model, {n}) failed with AttributeError ({error}): a container (the "
                                 "model itself, an nn.Sequential) was counted as a layer. Count only the modules "
                                 "that own parameters themselves: m.parameters(recurse=False).") from None
        raise AssertionError(f"{name}(model, {n}) on a network with 4 parameterised layers did not raise: n_layers "
                             "outside 0..4 is an error (raise ValueError).")


# --- Spearman's rank correlation on maps whose ranks are easy to write down -----------------------

#: (map_a, map_b, absolute, ρ, why). ρ was worked out by hand from the ranks (tests/test_visible_checks.py
#: checks every value against scipy.stats.spearmanr).
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


# --- the cascade, with maps whose correlations are known -------------------------------------------

#: The map an explanation returns when j of the model's top layers differ from the trained model's.
CASCADE_MAPS = [[6.0, -5.0, 4.0, -3.0, 2.0, -1.0], [6.0, -5.0, 4.0, -3.0, 1.0, -2.0],
                [1.0, 5.0, -4.0, 3.0, -20.0, 6.0], [-1.0, 2.0, -3.0, 4.0, -5.0, 60.0]]
#: ρ(|map 0|, |map j|) for j = 1, 2, 3, worked out from the ranks (checked against SciPy in the tests).
CASCADE_RHO = [33 / 35, -5 / 7, -1.0]


class _CascadeNet(nn.Module):
    """Three parameterised layers (conv, conv, fc), registered in forward order, weights moved from initialisation."""

    def __init__(self):
        super().__init__()
        with untouched_random_state():
            self.conv1, self.conv2, self.fc = nn.Conv2d(1, 2, 1), nn.Conv2d(2, 2, 1), nn.Linear(12, 3)
        generator = torch.Generator().manual_seed(42)
        with torch.no_grad():
            for p in self.parameters():
                p.add_(0.5 * torch.randn(p.shape, generator=generator))

    def forward(self, x):
        return self.fc(self.conv2(self.conv1(x)).flatten(1))


def check_model_randomization_test(function, name: str = "model_randomization_test") -> None:
    """``function(explain, model, x, target, [1, 2, 3])`` with an ``explain`` whose map is known for each model.

    ``explain`` returns :data:`CASCADE_MAPS` [j] when the top j of the model's 3 parameterised layers differ
    from the trained model's (so it relies on your ``randomize_layers``), and checks that it gets the same x
    and target. The curve must be :data:`CASCADE_RHO`, whatever your own ``rank_correlation`` gives. Names
    the mistake when the maps are compared signed, with Pearson's correlation, with the previous step's map,
    or when the cascade randomises an already randomised copy.
    """
    model = _CascadeNet().eval()
    names = ["conv1", "conv2", "fc"]
    trained = {n: _layer_state(model.get_submodule(n)) for n in names}
    x, target = torch.rand(1, 1, 2, 3, generator=torch.Generator().manual_seed(43)), 2
    seen = []

    def explain(m, inputs, cls):
        if not isinstance(m, nn.Module):
            raise AssertionError(f"{name} passed {type(m).__name__} to explain as the model; call "
                                 "explain(model, x, target) with a model.")
        if int(cls) != target or not torch.equal(torch.as_tensor(inputs).detach().reshape(x.shape).to(x.dtype), x):
            raise AssertionError(f"{name} changed x or the target before explaining; every map explains the same "
                                 "x and target.")
        differs = [not _same_state(_layer_state(m.get_submodule(n)), trained[n]) for n in names]
        j = sum(differs)
        if differs != [False] * (3 - j) + [True] * j:
            raise AssertionError(f"{name} gave explain a model whose randomised layers are not the top ones "
                                 f"({[n for n, d in zip(names, differs) if d]}); use randomize_layers(model, k).")
        seen.append(j)
        return torch.tensor(CASCADE_MAPS[j], dtype=torch.float64).reshape(1, 1, 2, 3)

    layers = [1, 2, 3]
    curve = as_float_tensor(run_exercise(function, explain, model, x.clone(), target, layers), (len(layers),), name)
    if 0 not in seen:
        raise AssertionError(f"{name} never explained the trained model; every point compares a randomised model's "
                             "map with the trained model's map.")
    if sorted(j for j in seen if j) != layers:
        raise AssertionError(f"{name} with layers={layers} explained models with {sorted(j for j in seen if j)} top "
                             "layers randomised: explain randomize_layers(model, k) of the trained model for each "
                             "k of layers (not a copy that is already randomised).")
    expected = torch.tensor(CASCADE_RHO, dtype=torch.float64)
    if relative_l2(curve, expected) < 1e-6:
        return
    known = {"signed maps (absolute=False)": [1.0, -0.6, -19 / 35],
             "Pearson's correlation of |map|, not of the ranks": [0.942857, -0.539705, -0.699304],
             "the previous step's map instead of the trained model's": [33 / 35, -27 / 35, 5 / 7]}
    cause = next((what for what, values in known.items() if
                  relative_l2(curve, torch.tensor(values, dtype=torch.float64)) < 1e-4), None)
    hint = (f"it looks like {cause}: compare each randomised map with the trained model's map with your "
            "rank_correlation (absolute values, its default)." if cause else
            "check that your rank_correlation passes its own test (Spearman of |map|, ties averaged) and that each "
            "randomised map is compared with the trained model's map.")
    raise AssertionError(f"{name}(explain, model, x, target, {layers}) returned {[round(v, 4) for v in curve.tolist()]}"
                         f"; with the maps of this test the curve is {[round(v, 4) for v in CASCADE_RHO]}: {hint}")


# --- deletion and insertion on a network whose every curve can be written down --------------------

class _FaithfulnessNet(nn.Module):
    """BatchNorm2d(2) → flatten → Linear(8, 3) on (N, 2, 2, 2) inputs, batch-norm statistics far from 0 and 1."""

    def __init__(self):
        super().__init__()
        with untouched_random_state():
            self.bn, self.fc = nn.BatchNorm2d(2), nn.Linear(8, 3)
        generator = torch.Generator().manual_seed(44)
        with torch.no_grad():
            self.fc.weight.copy_(2 * torch.randn(3, 8, generator=generator))
            self.fc.bias.copy_(torch.randn(3, generator=generator))
            self.bn.running_mean.copy_(torch.tensor([0.3, -0.2]))
            self.bn.running_var.copy_(torch.tensor([0.5, 2.0]))
            self.bn.weight.copy_(torch.tensor([1.5, 0.7]))
            self.bn.bias.copy_(torch.tensor([0.1, -0.3]))

    def forward(self, x):
        return self.fc(self.bn(x).flatten(1))


def faithfulness_case():
    """(model, x, target, attribution, steps, baseline) of :func:`check_deletion_curve`.

    The attribution (1, 2, 2, 2) has the pixel scores (channel sums) 1, −3, 2, 1 in row-major order, so the
    order, highest first with ties in row-major order, is pixels 2, 0, 3, 1; its entries, its |scores|
    and an ascending sort all give other orders. With steps = 3 and P = 4 pixels, n_k = ⌊4k/3⌋ = 0, 1, 2, 4.
    The target is not the class the model predicts for x, and the baseline is not zero.
    """
    attribution = torch.tensor([[[[2.0, -1.0], [0.5, 0.25]], [[-1.0, -2.0], [1.5, 0.75]]]])
    x = torch.tensor([[[[0.9, -0.4], [0.7, 1.2]], [[-0.8, 0.6], [1.1, -0.3]]]])
    baseline = torch.tensor([[[[0.2, 0.5], [-0.3, 0.1]], [[0.4, -0.6], [0.3, 0.2]]]])
    model = _FaithfulnessNet()
    with torch.no_grad():
        ranking = model.eval()(x)[0].argsort(descending=True)
    return model, x, int(ranking[1]), attribution, 3, baseline


def _curve_by_rule(model, x, baseline, target, order, counts, insert, entries=False, score="softmax",
                   use_baseline=True):
    """The curve of a given pixel (or entry) order and counts, computed on a copy of ``model`` in eval mode."""
    import copy

    twin = copy.deepcopy(model).eval()
    b = baseline if use_baseline else torch.zeros_like(x)
    shape = x.shape[1:] if entries else x.shape[2:]
    images = []
    for n in counts:
        mask = torch.zeros(int(np.prod(shape)), dtype=torch.bool)
        mask[list(order[:n])] = True
        mask = mask.reshape(shape)
        images.append(torch.where(mask, x[0], b[0]) if insert else torch.where(mask, b[0], x[0]))
    with torch.no_grad():
        logits = twin(torch.stack(images))
    if score == "softmax":
        return logits.softmax(dim=1)[:, target]
    if score == "sigmoid":
        return torch.sigmoid(logits[:, target])
    return logits[:, target]


def check_deletion_curve(function, name: str = "deletion_curve", insert: bool = False) -> None:
    """``function(model, x, target, attribution, 3, baseline)`` on :func:`faithfulness_case`, the model handed
    over in train mode, the attribution given as (1, C, H, W), (C, H, W) NumPy and one-channel (1, 1, H, W).

    Names the mistake when the pixels are ordered by |score|, lowest first, or with ties reversed; when single
    entries are changed instead of whole pixels; when n_k is rounded up or to the nearest; when the baseline
    is ignored (zeros used); when the curve holds sigmoids or logits, or explains the predicted class; when
    the model ran in train mode; and when deletion and insertion are swapped.
    """
    model, x, target, attribution, steps, baseline = faithfulness_case()
    order, floor = [2, 0, 3, 1], [0, 1, 2, 4]
    rule = lambda **kw: _curve_by_rule(model, x, baseline, kw.pop("target", target), kw.pop("order", order),  # noqa: E731
                                       kw.pop("counts", floor), kw.pop("insert", insert), **kw)
    expected = rule()
    with torch.no_grad():
        predicted = int(copy_eval(model)(x).argmax())
    entry_order = torch.argsort(attribution.flatten(), descending=True, stable=True).tolist()
    candidates = {
        "absolute": (rule(order=[1, 2, 0, 3]), "orders the pixels by |score|: order by the signed sum over channels "
                     "(evidence against the class comes last)."),
        "ascending": (rule(order=[1, 0, 3, 2]), "takes the lowest score first: order from the highest score down."),
        "ties": (rule(order=[2, 3, 0, 1]), "puts tied pixels in reverse row-major order (an ascending sort "
                 "flipped?): equal scores keep their row-major order (a stable sort, descending)."),
        "entries": (rule(order=entry_order, counts=[0, 2, 5, 8], entries=True), "changes single entries (one "
                    "channel of a pixel at a time): score each pixel by the sum over its channels and change all "
                    "channels of a pixel together."),
        "ceil": (rule(counts=[0, 2, 3, 4]), "rounds n_k up: n_k = ⌊k·P/steps⌋ (floor, k·P // steps)."),
        "round": (rule(counts=[0, 1, 3, 4]), "rounds n_k to the nearest integer: n_k = ⌊k·P/steps⌋ (floor)."),
        "baseline": (rule(use_baseline=False), "uses zeros where the baseline's values belong (x * mask?): take "
                     "the changed pixels' values from `baseline`."),
        "sigmoid": (rule(score="sigmoid"), "holds the sigmoid of the target's logit: return the softmax "
                    "probability over all classes."),
        "logit": (rule(score="logit"), "holds logits: return the softmax probability of the target."),
        "predicted": (rule(target=predicted), "follows the class the model predicts: use `target`."),
        "swapped": (rule(insert=not insert), "is the other curve: " + (
            "insertion starts from the baseline and reveals x's pixels." if insert else
            "deletion starts from x and replaces its pixels by the baseline's.")),
    }
    what = "insertion" if insert else "deletion"
    for given, form in ((attribution, "(1, 2, 2, 2) tensor"), (attribution[0].numpy(), "(2, 2, 2) NumPy array"),
                        (attribution.sum(1, keepdim=True), "one-channel (1, 1, 2, 2) map, as Grad-CAM's")):
        state = copy_state(model)
        model.train()
        x_given, b_given = x.clone(), baseline.clone()
        value = run_exercise(function, model, x_given, target, given, steps, b_given)
        if not (torch.equal(x_given, x) and torch.equal(b_given, baseline)):
            raise AssertionError(f"{name} changed x or the baseline in place; build new images instead.")
        if not all(torch.equal(v, model.state_dict()[k]) for k, v in state.items()):
            raise AssertionError(f"{name} changed the model's batch-norm statistics: it ran in train mode. Call "
                                 "model.eval() before the forward pass (the model may come in train mode).")
        curve = as_float_tensor(value, (1, steps + 1), name).reshape(-1)
        if not torch.isfinite(curve).all():
            raise AssertionError(f"{name} returned NaN or infinite values.")
        if relative_l2(curve, expected) < 1e-5:
            continue
        cause = _likely_mistake(curve, {k: (v.to(torch.float64), m) for k, v, m in
                                        ((k, *c) for k, c in candidates.items())})
        raise AssertionError(
            f"{name} on a small network (batch norm, then linear; 3 classes; handed over in train mode) with a signed "
            f"two-channel attribution given as a {form}, whose pixel scores are 1, -3, 2, 1 (row-major), a non-zero "
            f"baseline and steps=3: expected the {what} curve {[round(v, 4) for v in expected.tolist()]} (pixels "
            f"changed in the order 2, 0, 3, 1, n_k = 0, 1, 2, 4), got {[round(v, 4) for v in curve.tolist()]}. It "
            + (cause or "differs; check the order, n_k, the baseline and the softmax."))


def copy_eval(model: nn.Module) -> nn.Module:
    """A deep copy of ``model`` in eval mode."""
    import copy

    return copy.deepcopy(model).eval()


def copy_state(model: nn.Module) -> dict:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


# --- the area under a curve ------------------------------------------------------------------------

def check_area_under_curve(function, name: str = "area_under_curve") -> None:
    """Trapezoid areas over [0, 1] worked out by hand, for a tensor, a (1, K) tensor, a list, an array, K = 2."""
    cases = [(torch.tensor([1.0, 0.5, 0.0]), "the tensor [1, 0.5, 0]", 0.5, "a straight line from 1 to 0"),
             (torch.tensor([0.0, 1.0, 1.0, 1.0, 1.0]), "the tensor [0, 1, 1, 1, 1]", 0.875,
              "(0 + 1)/2 · 1/4 + 3 · 1/4"),
             (torch.tensor([[0.0, 1.0, 1.0, 1.0, 1.0]]), "the (1, 5) tensor [[0, 1, 1, 1, 1]]", 0.875,
              "(0 + 1)/2 · 1/4 + 3 · 1/4"),
             ([0.2, 0.6], "the list [0.2, 0.6] (K = 2)", 0.4, "(0.2 + 0.6)/2 · 1"),
             (np.array([1.0, 0.0, 0.0, 0.0]), "the NumPy array [1, 0, 0, 0]", 1 / 6, "(1 + 0)/2 · 1/3")]
    for curve, what, area, why in cases:
        try:
            got = check_scalar(run_exercise(function, curve), name)
        except ZeroDivisionError:
            raise AssertionError(f"{name}({what}) divided by zero: len() of a (1, K) curve is 1; flatten the curve "
                                 "first and use K = its number of values.") from None
        except (TypeError, AttributeError) as error:
            raise AssertionError(f"{name}({what}) failed ({type(error).__name__}: {error}): accept tensors, NumPy "
                                 "arrays and lists (convert with torch.as_tensor(np.asarray(curve))).") from None
        if abs(got - area) < 1e-9:
            continue
        values = np.asarray(curve, dtype=float).reshape(-1)
        k = len(values)
        cause = "use the trapezoid rule with the points spaced 1/(K - 1) over [0, 1]."
        if abs(got - values.mean()) < 1e-9:
            cause = "that is the mean of the points, not the trapezoid rule with spacing 1/(K - 1)."
        elif abs(got - area * (k - 1)) < 1e-9:
            cause = "that is the area with spacing 1 (the default dx): pass dx = 1 / (K - 1)."
        elif abs(got - values[:-1].sum() / (k - 1)) < 1e-9 or abs(got - values[1:].sum() / (k - 1)) < 1e-9:
            cause = "that is a Riemann sum (rectangles); the trapezoid rule averages each pair of neighbours."
        raise AssertionError(f"{name}({what}) returned {got}, expected {area:.6g} = {why}: {cause}")


# --- stage 05: Captum's own attributions, the defaults, eval mode --------------------------------------

def _trapezoid_by_autograd(model, x, baseline, target, steps) -> torch.Tensor:
    """(x − x′) ⊙ Σ_k w_k ∇F(x′ + (k/S)(x − x′)), the trapezoid weights 1/(2S), 1/S, …, 1/S, 1/(2S)."""
    total = torch.zeros_like(x)
    for k in range(steps + 1):
        point = (baseline + k / steps * (x - baseline)).detach().requires_grad_(True)
        (gradient,) = torch.autograd.grad(model(point)[0, target], point)
        total = total + (0.5 if k in (0, steps) else 1.0) / steps * gradient
    return (x - baseline) * total


def check_captum_integrated_gradients(function, name: str = "captum_integrated_gradients") -> None:
    """What :func:`check_ig_on_cubic_model` cannot see: that the result is Captum's (times a number), the
    default arguments, and eval mode on a model with batch norm handed over in train mode.

    Names the mistake when Captum is not called, when its attributions are thrown away (an IG by hand
    returned instead), when the defaults (``baseline=None``: zeros; ``steps=50``) give another sum, and
    when the model ran in train mode.
    """
    import copy
    from unittest import mock

    from captum.attr import IntegratedGradients

    model, x, baseline, target = cubic_case()
    returned = []
    original = IntegratedGradients.attribute

    def watched(self, *args, **kwargs):
        out = original(self, *args, **kwargs)
        returned.append((out[0] if isinstance(out, tuple) else out).detach().clone())
        return out

    with mock.patch.object(IntegratedGradients, "attribute", watched):
        result = as_float_tensor(run_exercise(function, model, x.clone(), target, baseline=baseline.clone(), steps=4),
                                 tuple(x.shape), name)
    if not returned:
        raise AssertionError(f"{name} did not call IntegratedGradients(model).attribute(...): this exercise must use "
                             "Captum, not an IG written by hand.")
    last = returned[-1].to(torch.float64).reshape(x.shape)
    scale = (result * last).sum() / (last * last).sum().clamp_min(1e-300)
    if relative_l2(result, scale * last) > 1e-6:
        raise AssertionError(f"{name} called Captum but does not return its attributions (times a number): the "
                             "result must be computed from what IntegratedGradients(model).attribute(...) returns, "
                             "not by an IG of your own.")
    expected = trapezoid_on_cubic_model(model, x, torch.zeros_like(x), target, 50)
    got = as_float_tensor(run_exercise(function, model, x.clone(), target), tuple(x.shape), name)
    if relative_l2(got, expected) >= _MATCH:
        raise AssertionError(f"{name}(model, x, target) with the default arguments differs from the trapezoid IG over "
                             f"51 points from a zero baseline by {relative_l2(got, expected):.1%}: the defaults are "
                             "baseline=None (zeros shaped like the input) and steps=50.")
    with untouched_random_state():
        norm = nn.BatchNorm2d(1).double()
    with torch.no_grad():
        norm.running_mean.fill_(0.4)
        norm.running_var.fill_(2.5)
        norm.weight.fill_(1.3)
        norm.bias.fill_(-0.2)
    with_norm = nn.Sequential(norm, CubicModel())
    expected = _trapezoid_by_autograd(copy.deepcopy(with_norm).eval(), x, baseline, target, 4)
    before = copy_state(with_norm)
    got = run_exercise(function, with_norm.train(), x.clone(), target, baseline=baseline.clone(), steps=4)
    if not all(torch.equal(v, with_norm.state_dict()[k]) for k, v in before.items()):
        raise AssertionError(f"{name} changed the batch-norm statistics of a model handed over in train mode: call "
                             "model.eval() first (in train mode batch norm normalises with the statistics of the "
                             "batch of path points, which changes both the result and the model).")
    got = as_float_tensor(got, tuple(x.shape), name)
    if relative_l2(got, expected) >= _MATCH:
        raise AssertionError(f"{name} on a model with batch norm differs from the trapezoid IG of the model in eval "
                             f"mode by {relative_l2(got, expected):.1%}: call model.eval() before attributing.")
