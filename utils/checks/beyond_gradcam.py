"""Stage 09, HiResCAM, XGrad-CAM, LayerCAM and Expected Gradients, on cases whose answer is known.

HiResCAM's raw map M = Σ_k ∂y_c/∂A^k ⊙ A^k at the layer global average pooling reads sums to y_c − b_c; on the
two-squares network every CAM variant's map is known; at an inner layer of the MNIST model the classic mistakes
give maps of their own (Grad-CAM's spatial mean, a ReLU on the gradient, one normaliser for every channel), which
the checks compute from ``utils.hooks`` and name when a result equals one. Expected Gradients on a linear model
F(x) = w·x + b has the expectation w ⊙ (x − mean(background)).
"""

from __future__ import annotations

import torch
from torch import nn

from utils.hooks import feature_maps_and_gradients
from utils.known_cases import dead_channel_case, linear_case, two_squares_case, two_squares_regions
from utils.properties import as_float_tensor, relative_l2

from .result_form import check_heatmap
from .running import run_exercise

TWO_SQUARES = {  # the class's square, the overlap, the square against the class, the background
    "HiResCAM": (1, 0, 0, 0), "XGrad-CAM": (1, 0, 0, 0), "LayerCAM": (1, 1, 0, 0)}


def _pattern(values) -> torch.Tensor:
    out = torch.zeros(8, 8, dtype=torch.float64)
    for mask, value in zip(two_squares_regions().values(), values):
        out[mask] = value
    return out


def check_variant_on_two_squares(function, name: str, method: str) -> None:
    """``function(model, x, 0)`` on the two-squares network, whose channel 1 counts against class 0: HiResCAM and
    XGrad-CAM give 1 on the class's square only; LayerCAM's ReLU on the gradient drops channel 1, so it keeps the
    whole square 0, overlap included."""
    model, x, target = two_squares_case()
    heatmap = check_heatmap(run_exercise(function, model, x.clone(), target), (8, 8), name)
    if relative_l2(heatmap, _pattern(TWO_SQUARES[method])) < 1e-3:
        return
    if relative_l2(heatmap, _pattern((1, 0.5, 0, 0.5))) < 1e-3:
        raise AssertionError(f"{name} has no ReLU before the normalisation (the background came out at 0.5): apply "
                             "ReLU to the sum over the channels, then min-max normalise.")
    if method != "LayerCAM" and relative_l2(heatmap, _pattern((1, 1, 0, 0))) < 1e-3:
        raise AssertionError(f"{name} keeps the overlap: the channel against the class got no weight. A ReLU on the "
                             "gradient is LayerCAM's; keep the gradient's sign.")
    if method == "LayerCAM" and relative_l2(heatmap, _pattern((1, 0, 0, 0))) < 1e-3:
        raise AssertionError(f"{name} cancels the overlap: the channel against the class still counts. LayerCAM "
                             "weights A by ReLU(∂y_c/∂A), the positive gradients only.")
    raise AssertionError(f"{name} on the hand-built two-squares network is not {method}'s map.")


def check_sum_identity(function, model, x, target, name: str = "compute_hirescam") -> None:
    """Σ_ij of the raw map at the pooled layer (``layer=None``) equals the logit minus the classifier's bias."""
    raw = as_float_tensor(run_exercise(function, model, x, target, raw=True), tuple(x.shape[-2:]), name + " (raw)")
    classifier = [m for m in model.modules() if isinstance(m, nn.Linear)][-1]
    with torch.no_grad():
        wanted = float(model.eval()(x)[0, target] - classifier.bias[target])
    total = raw.sum().item()
    if abs(total - wanted) <= 1e-4 * max(1.0, abs(wanted)):
        return
    hint = (" The map lies in [0, 1]: with raw=True return the weighted sum before the ReLU and the normalisation."
            if raw.min() >= 0 and raw.max() <= 1 else " Multiply ∂y_c/∂A and A elementwise and sum over the channels.")
    raise AssertionError(f"the raw map of {name} sums to {total:.4f}, but the logit minus the bias is {wanted:.4f}; "
                         f"at the layer global average pooling reads they must be equal.{hint}")


def _finish(raw: torch.Tensor) -> torch.Tensor:
    m = torch.relu(raw)
    m = m - m.min()
    return m / m.max() if m.max() > 0 else m


def check_not_a_classic_mistake(function, model, x, target, layer, name: str, method: str) -> None:
    """At an inner layer, where the mistakes' maps differ from the method's, the result is none of them."""
    A, g = feature_maps_and_gradients(model, x, target, layer)
    A, g = A.double(), g.double()
    mistakes = {
        "Grad-CAM's map: the gradient was averaged over the positions (keep it at every position)":
            (g.mean(dim=(1, 2))[:, None, None] * A).sum(0),
        "a map without the ReLU on the gradient (LayerCAM keeps only ReLU(∂y_c/∂A))": (g * A).sum(0),
        "a map with a ReLU on the gradient (that is LayerCAM; HiResCAM keeps the gradient's sign)":
            (torch.relu(g) * A).sum(0),
        "one normaliser for every channel: divide by channel k's own sum Σ_ij A^k_ij":
            ((A * g).mean(dim=(1, 2))[:, None, None] * A).sum(0),
    }
    own = {"HiResCAM": "a map without", "LayerCAM": "a map with a ReLU", "XGrad-CAM": None}[method]
    heatmap = check_heatmap(run_exercise(function, model, x, target, layer), tuple(A.shape[1:]), name)
    for cause, raw in mistakes.items():
        if own is not None and cause.startswith(own):
            continue
        if method == "XGrad-CAM" and cause.startswith("a map with"):
            continue
        if relative_l2(heatmap, _finish(raw)) < 1e-4:
            raise AssertionError(f"{name} at layer {layer!r} equals {cause}.")


def check_dead_channel(function, name: str = "compute_xgradcam") -> None:
    """A channel that is never active has Σ_ij A^k = 0: its weight must be 0, never NaN."""
    model, x, target = dead_channel_case()
    raw = as_float_tensor(run_exercise(function, model, x, target, raw=True), (6, 6), name + " (raw)")
    if not torch.isfinite(raw).all():
        raise AssertionError(f"{name} returned NaN or infinite values on a network with a channel that is never "
                             "active: where Σ_ij A^k_ij = 0 give the channel the weight 0 (torch.where).")


def check_expected_gradients_on_linear_model(function, name: str = "expected_gradients") -> None:
    """F(x) = W·x + b: EG is w ⊙ (x − mean of the drawn baselines); with 2,000 draws it is within 5 standard errors
    of w ⊙ (x − mean(background)). Seeded generators repeat a call; without one, calls differ."""
    model, x, target = linear_case()
    background = torch.rand(8, *x.shape[1:], generator=torch.Generator().manual_seed(9), dtype=x.dtype) * 2 - 1
    w = model[1].weight.detach()[target].reshape(x.shape)

    def run(**kwargs):
        return as_float_tensor(run_exercise(function, model, x.clone(), target, background.clone(), **kwargs),
                               tuple(x.shape), name)

    result = run(n_samples=2000, generator=torch.Generator().manual_seed(0))
    expectation = w * (x - background.mean(0))
    error = (result - expectation).norm().item()
    allowed = 5 * (w * background).std(0, unbiased=False).norm().item() / 2000 ** 0.5
    if error > allowed:
        grads_only = (w.expand_as(result) - result).norm() < 1e-6 * w.norm()
        raise AssertionError(
            f"on a linear model {name} is {error:.3g} away from w ⊙ (x − mean(background)) (at most {allowed:.3g} "
            "is sampling error)." + (" It returned the gradient alone: multiply it by x − x′." if grads_only else
                                     " Average (x − x′) ⊙ ∇F(x′ + α(x − x′)), each sample with its own baseline x′."))
    again = run(n_samples=2000, generator=torch.Generator().manual_seed(0))
    if not torch.equal(result, again):
        raise AssertionError(f"{name}: two calls with generators seeded alike differ; draw the baselines' indices and "
                             "the α's with generator=generator.")
    if torch.equal(run(n_samples=50), run(n_samples=50)):
        raise AssertionError(f"{name}: two calls without a generator gave the same result; do not seed torch's "
                             "generator inside the function.")
