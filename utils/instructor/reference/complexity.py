"""What the methods cost: multiply-accumulates of a forward pass, and each
method's cost in forward-pass equivalents."""

from __future__ import annotations

import torch
from torch import nn

from utils.models import evaluating
from utils.names import COSTED_METHODS, per_costed_method, per_estimated_method

from ._validation import check_model, check_positive_int, check_steps

METHOD_NAMES = tuple(m.name for m in COSTED_METHODS)


def _layer_macs(module: nn.Module, output: torch.Tensor) -> int:
    """MACs of one Conv2d or Linear call, from the output it actually produced (batch of 1).

    Conv2d:  (C_in / groups) · k_h · k_w  per output element
    Linear:  in_features                   per output element
    Biases are additions, not multiply-accumulates, and are not counted.
    """
    if isinstance(module, nn.Conv2d):
        k_h, k_w = module.kernel_size
        return (module.in_channels // module.groups) * k_h * k_w * output.numel()
    return module.in_features * output.numel()


def count_macs_forward(model: nn.Module, in_ch: int, H: int, W: int) -> int:
    """Multiply-accumulates (MACs) of one forward pass on a (1, in_ch, H, W) input.

        Σ_conv (C_in/groups)·k_h·k_w·C_out·H_out·W_out + Σ_linear in·out

    with each layer's H_out, W_out as that layer really sees them (a forward
    hook reads every output), so strides and pooling are accounted for.
    ``torch.utils.flop_counter.FlopCounterMode`` reports 2 FLOPs per MAC, i.e.
    twice this number on such a network. Only Conv2d and Linear are counted:
    activations, normalisation and pooling are comparatively free.

    The dummy input is made on the model's device, so a model built on the
    ``meta`` device is counted without allocating or computing anything.
    """
    check_model(model)
    for name, value in (("in_ch", in_ch), ("H", H), ("W", W)):
        check_positive_int(name, value)
    total = 0

    def hook(module, _inputs, output):
        nonlocal total
        total += _layer_macs(module, output)

    counted = [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    handles = [m.register_forward_hook(hook) for m in counted]
    parameter = next(model.parameters(), None)
    device = parameter.device if parameter is not None else "cpu"
    dtype = parameter.dtype if parameter is not None and parameter.is_floating_point() else torch.float32
    try:
        with evaluating(model), torch.no_grad():
            model(torch.zeros(1, in_ch, H, W, device=device, dtype=dtype))
    finally:
        for handle in handles:
            handle.remove()
    return int(total)


#: the name stage 07 grades (it asks for "FLOPs" as the seeds do; the count is MACs, as the notebook explains)
count_flops_forward = count_macs_forward


def cost_multipliers(steps: int, n_samples: int) -> dict:
    """Cost of each method in forward-pass equivalents (a backward pass costs 2 forwards).

        CAM                      1                 one forward, no backward
        Grad-CAM, Grad-CAM++     3                 one forward + one backward
        Integrated Gradients     3 (S + 1)         S + 1 path points (trapezoid)
        SmoothGrad + IG          3 N (S + 1)       N noisy copies of IG
        SmoothGrad + Grad-CAM    3 N
        SmoothGrad + Grad-CAM++  3 N
    """
    check_steps(steps)
    check_positive_int("n_samples", n_samples)
    one_map = {"compute_cam": 1, "compute_gradcam": 3, "compute_gradcam_plusplus": 3,
               "integrated_gradients": 3 * (steps + 1)}
    return per_costed_method(one_map, n_samples)


def estimated_cost_multipliers(steps: int, n_samples: int, draws: int = 64) -> dict:
    """:func:`cost_multipliers` and stage 09's methods, in forward-pass equivalents (what the complexity estimator
    and ``make complexity-table`` list; stage 07 grades :func:`cost_multipliers` alone):

        HiResCAM, XGrad-CAM, LayerCAM    3        as Grad-CAM: one forward + one backward
        Expected Gradients               3 n      n = ``draws`` points, each a forward + backward (IG's per point)
    """
    check_positive_int("draws", draws)
    return per_estimated_method(cost_multipliers(steps, n_samples), steps, draws)
