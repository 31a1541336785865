"""Guided Backpropagation (Springenberg et al. 2015) that is really guided on the course's models.

The gradient of the target logit flows back through the network as usual, except
at every ReLU-family activation, where only its positive part is let through:

    ordinary ReLU backward      R_in = 1[x > 0] · R_out
    guided backward             R_in = 1[x > 0] · max(R_out, 0)

Captum's ``GuidedBackprop`` applies this rule to ``torch.nn.ReLU`` modules only.
EfficientNet-Lite0 uses ``nn.ReLU6`` and TinyGradCAMNet ``nn.LeakyReLU``, neither a
subclass of ``nn.ReLU``, so on these models Captum silently returns the plain
gradient. Here the rule is applied to ``nn.ReLU``, ``nn.ReLU6`` and
``nn.LeakyReLU`` modules: a forward hook on each passes its output through an
identity whose backward keeps only positive gradients. Each of these activations
is non-decreasing, so its local derivative d ≥ 0 and d · max(R, 0) = max(d · R, 0):
the result is exactly Captum's rule (ReLU of the activation's input gradient),
extended to ReLU6 (d = 1 on 0 < x < 6) and LeakyReLU (d = 1 or the slope). On a
model built from ``nn.ReLU`` it equals Captum's ``GuidedBackprop`` (tested).

Activations called as functions (``torch.relu(x)`` inside ``forward``) have no
module to hook; a model without any ReLU-family module is refused with an error
rather than silently explained by its plain gradient.
"""

from __future__ import annotations

import contextlib

import torch
from torch import nn

from utils.models import evaluating

#: The activations the guided rule applies to (exact classes and their subclasses).
GUIDED_ACTIVATIONS = (nn.ReLU, nn.ReLU6, nn.LeakyReLU)


class _PositiveGradientsOnly(torch.autograd.Function):
    """The identity forward; backward lets only the positive part of the gradient through."""

    @staticmethod
    def forward(ctx, tensor):
        return tensor.clone()  # a new tensor, so later in-place operations cannot disturb autograd

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.clamp(min=0)


def _guide(_module, _inputs, output):
    return _PositiveGradientsOnly.apply(output)


def guided_activations(model: nn.Module) -> list[nn.Module]:
    """The modules of ``model`` where the guided rule applies (ReLU, ReLU6, LeakyReLU)."""
    return [m for m in model.modules() if isinstance(m, GUIDED_ACTIVATIONS)]


@contextlib.contextmanager
def guided(model: nn.Module):
    """Within the block, backward passes through ``model`` follow the guided rule; every hook comes off on exit."""
    activations = guided_activations(model)
    if not activations:
        raise ValueError(
            f"{type(model).__name__} has no nn.ReLU, nn.ReLU6 or nn.LeakyReLU module, so Guided Backpropagation "
            "has nowhere to apply its rule (activations called as functions cannot be hooked); it would return "
            "the plain gradient.")
    handles = [m.register_forward_hook(_guide) for m in activations]
    try:
        yield model
    finally:
        for handle in handles:
            handle.remove()


def guided_backprop(model: nn.Module, x: torch.Tensor, target) -> torch.Tensor:
    """The guided gradient of the target logit with respect to the input, shape of ``x`` (N, C, H, W).

    ``target`` is an int or one int per example. The model runs in eval mode and
    gets its own modes back; ``x`` is not modified; no hook and no parameter
    gradient is left behind.
    """
    if not isinstance(x, torch.Tensor) or x.dim() != 4:
        raise ValueError(f"x must be a batch (N, C, H, W); got {getattr(x, 'shape', type(x).__name__)}.")
    targets = torch.as_tensor(target, dtype=torch.long, device=x.device).reshape(-1)
    if targets.numel() == 1:
        targets = targets.expand(x.shape[0])
    inputs = x.detach().clone().requires_grad_(True)
    with evaluating(model), guided(model), torch.enable_grad():
        logits = model(inputs)
        score = logits.gather(1, targets[:, None]).sum()
        (gradient,) = torch.autograd.grad(score, inputs)
    return gradient.detach()
