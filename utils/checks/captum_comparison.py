"""Stage 05, Captum's Integrated Gradients: what the cubic model's closed form cannot see.

The result must be what ``IntegratedGradients(model).attribute(...)`` returned (times a number), the defaults
must be a zero baseline and 50 steps (the trapezoid rule over 51 points), and the model must run in eval
mode: on a model with batch norm handed over in train mode, the result must equal the trapezoid IG
(x − x′) ⊙ Σ_k w_k ∇F(x′ + (k/S)(x − x′)) of the model in eval mode, and its statistics must not change.
"""

from __future__ import annotations

import torch
from torch import nn

from utils.device import own_random_state
from utils.known_cases import CubicModel, cubic_case
from utils.properties import as_float_tensor, relative_l2

from .integrated_gradients import trapezoid_on_cubic_model
from .likely_mistake import _MATCH
from .running import copy_state, run_exercise


# --- stage 05: Captum's own attributions, the defaults, eval mode --------------------------------------

def _trapezoid_by_autograd(model, x, baseline, target, steps) -> torch.Tensor:
    """(x − x′) ⊙ Σ_k w_k ∇F(x′ + (k/S)(x − x′)), the trapezoid weights 1/(2S), 1/S, …, 1/S, 1/(2S)."""
    total = torch.zeros_like(x)
    for k in range(steps + 1):
        point = (baseline + k / steps * (x - baseline)).detach().requires_grad_(True)
        (gradient,) = torch.autograd.grad(model(point)[0, target], point)
        total = total + (0.5 if k in (0, steps) else 1.0) / steps * gradient
    return (x - baseline) * total


def _check_defaults(function, name: str, model, x, target) -> None:
    """``function(model, x, target)`` must be ``function(model, x, target, baseline=zeros, steps=50)``, the same
    computation, so equal to rounding; and that must be the trapezoid IG over 51 points. A sum over 41 to 70 points
    is within 1e-4 of the 51-point one on the cubic model, so the first comparison, not the second, finds a wrong
    default ``steps``."""
    defaults = as_float_tensor(run_exercise(function, model, x.clone(), target), tuple(x.shape), name)
    spelled_out = as_float_tensor(run_exercise(function, model, x.clone(), target, baseline=torch.zeros_like(x),
                                               steps=50), tuple(x.shape), name)
    expected = trapezoid_on_cubic_model(model, x, torch.zeros_like(x), target, 50)
    fix = "the defaults are baseline=None (zeros shaped like the input) and steps=50."
    if relative_l2(defaults, spelled_out) > 1e-9:
        raise AssertionError(f"{name}(model, x, target) with the default arguments returns another map than "
                             f"{name}(model, x, target, baseline=torch.zeros_like(x), steps=50) (relative L2 distance "
                             f"{relative_l2(defaults, spelled_out):.2e}; the same computation gives 0 up to rounding): "
                             + fix)
    if relative_l2(defaults, expected) >= _MATCH:
        raise AssertionError(f"{name}(model, x, target) with the default arguments is not the trapezoid IG over 51 "
                             f"points from a zero baseline (relative L2 distance {relative_l2(defaults, expected):.2e}, "
                             f"at most {_MATCH:g} accepted): " + fix)


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
    _check_defaults(function, name, model, x, target)
    with own_random_state():
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
