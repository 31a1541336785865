"""Stage 07, the cost of each method: multiply-accumulates (MACs) of one forward pass on one-layer networks
counted by hand (a convolution: C_out · H_out · W_out · C_in · k_h · k_w; a linear layer: in · out), and each
method in forward-pass equivalents (a backward pass costs 2 forwards; IG evaluates S + 1 points, SmoothGrad
N samples): CAM 1, Grad-CAM 3, IG 3(S + 1), SmoothGrad + IG 3N(S + 1), SmoothGrad + Grad-CAM 3N.
"""

from __future__ import annotations

import numpy as np

from utils.known_cases import mac_cases

from .running import run_exercise


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
