"""Stage 06, CAM, Grad-CAM and Grad-CAM++, on a hand-built network whose maps are known.

Grad-CAM: ReLU(Σ_k w_k A^k) with w_k the mean over positions of g^k = ∂y_c/∂A^k, then min-max normalised
to [0, 1] (CAM: w_k the classifier's weights). Grad-CAM++: w_k = Σ_ij α^k_ij · ReLU(g^k_ij) with
α = g² / (2g² + Σ_ab A_ab · g³). On two squares, one for the class and one against it, each method's map
and each usual mistake's map (no ReLU, absolute gradients, Grad-CAM's weights in Grad-CAM++) are known.
Grad-CAM++'s α does not change when A shrinks and g grows by the same factor, so the same network written
with act3 1000 times smaller and fc 1000 times larger must give the same map (an epsilon in the denominator
does not).
"""

from __future__ import annotations

import torch

from utils.known_cases import equivalent_model, two_squares_case, two_squares_regions
from utils.properties import as_float_tensor, relative_l2

from .likely_mistake import _likely_mistake
from .result_form import check_heatmap
from .running import run_exercise


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
