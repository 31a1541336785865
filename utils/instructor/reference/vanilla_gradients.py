"""Vanilla gradients (saliency maps), Simonyan et al. 2014."""

from __future__ import annotations

import torch

from utils.models import evaluating

from ._gradients import input_gradients
from ._validation import check_call


def vanilla_gradients(model, x: torch.Tensor, target) -> torch.Tensor:
    """Signed gradient of the target logit with respect to the input.

        S_c(x) = ∂y_c / ∂x        shape (N, C, H, W)

    ``y_c`` is the raw logit of class ``c`` (not its softmax probability). The
    sign is kept: positive means "brighter here raises the score". Take
    ``.abs()`` (as Captum's ``Saliency`` does by default) only for display.
    """
    targets = check_call(model, x, target)
    with evaluating(model):
        grads, _ = input_gradients(model, x, targets)
    return grads
