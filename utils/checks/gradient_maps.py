"""Stages 01 and 02, vanilla gradients and Gradient × Input, on a linear classifier F(x) = Wx + b.

The gradient of logit c is W[c] at every input, so the right map is W[c] (x ⊙ W[c] for Gradient ×
Input). The usual mistakes give maps of their own: the gradient of the softmax probability,
p_c (W[c] − Σ_j p_j W[j]); of its log, W[c] − Σ_j p_j W[j]; |W[c]|; −W[c]; the predicted class's W[ĉ];
the input factor missing or added.
"""

from __future__ import annotations

import torch

from utils.known_cases import linear_case
from utils.properties import relative_l2

from .likely_mistake import _MATCH, _likely_mistake
from .result_form import check_attribution
from .running import run_exercise


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
