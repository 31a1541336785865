"""Logits of the target class and their gradient with respect to the input."""

from __future__ import annotations

import torch
from torch import nn

from utils.hooks import describe

from ._validation import check_target_range


def as_logits(out) -> torch.Tensor:
    """A model's output as logits (N, num_classes).

    Some torchvision models (Inception v3 in train mode, GoogLeNet) return a tuple
    whose first element holds the logits.
    """
    if isinstance(out, (tuple, list)):
        out = out[0]
    if not isinstance(out, torch.Tensor) or out.dim() != 2:
        raise ValueError(
            f"the model must return logits of shape (N, num_classes), got {describe(out)}. "
            "Wrap it so that forward() returns the class scores."
        )
    return out


def forward_logits(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The model's logits for ``x``, shape (N, num_classes)."""
    return as_logits(model(x))


def target_logits(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """y_n = logits[n, targets[n]], shape (N,). Raw logits, never softmax probabilities."""
    check_target_range(targets, logits.shape[1])
    return logits.gather(1, targets[:, None]).squeeze(1)


def input_gradients(model: nn.Module, x: torch.Tensor, targets: torch.Tensor):
    """Return (∂y_n/∂x_n for every example n, the logits).

    The examples of a batch in eval mode are independent, so the gradient of
    Σ_n y_n with respect to x_n is ∂y_n/∂x_n. ``torch.autograd.grad`` only
    differentiates with respect to the input: no parameter ``.grad`` is touched.
    """
    inputs = x.detach().requires_grad_(True)
    with torch.enable_grad():
        logits = forward_logits(model, inputs)
        scores = target_logits(logits, targets)
        (grads,) = torch.autograd.grad(scores.sum(), inputs)
    return grads, logits.detach()
