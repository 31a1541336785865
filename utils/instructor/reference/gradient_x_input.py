"""Gradient × Input, Shrikumar et al. 2016."""

from __future__ import annotations

import torch

from utils.models import evaluating

from ._gradients import input_gradients
from ._validation import check_call


def gradient_x_input(model, x: torch.Tensor, target) -> torch.Tensor:
    """Elementwise product of the input and the gradient of the target logit.

        A_c(x) = x ⊙ ∂y_c/∂x        shape (N, C, H, W)

    A first-order Taylor estimate of each pixel's contribution relative to an
    all-zeros input; it is Integrated Gradients with a zero baseline and a
    single (right-Riemann) step.
    """
    targets = check_call(model, x, target)
    with evaluating(model):
        grads, _ = input_gradients(model, x, targets)
    return x.detach() * grads
