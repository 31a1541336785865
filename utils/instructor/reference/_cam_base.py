"""What every method of the CAM family shares: the layer's activations A, the
gradients ∂y_c/∂A, and the final map ReLU(Σ_k w_k A^k). A variant only says how
it weights the channels (compare pytorch-grad-cam's ``get_cam_weights``)."""

from __future__ import annotations

from typing import Callable

import torch

from utils.hooks import activations_and_gradients, resolve_layer
from utils.models import evaluating

from ._gradients import as_logits, target_logits
from ._maps import finalise_map, weighted_sum
from ._validation import check_call

# weights(activations, gradients, targets) -> (N, K), or (N, K, H', W') for a weight per position
ChannelWeighting = Callable[..., torch.Tensor]


def class_activation_map(
    model, x, target, layer, weighting: ChannelWeighting, *, need_gradients: bool = True,
    upsample: bool = False, relu: bool = True, normalise: bool = True,
) -> torch.Tensor:
    """L = ReLU(Σ_k w_k ⊙ A^k) with w from ``weighting``, min-max normalised per image.

    Returns (N, H', W'), or (N, H, W) with ``upsample=True``.
    """
    targets = check_call(model, x, target)
    layer = resolve_layer(model, layer)
    with evaluating(model):
        # A and ∂Σ_n y_n/∂A, both (N, K, H', W'), with y_n the logit of example n's target
        activations, gradients = activations_and_gradients(
            model, x, layer, lambda out: target_logits(as_logits(out), targets), need_gradients=need_gradients)
        weights = weighting(activations, gradients, targets)
    raw = weighted_sum(activations, weights.to(activations.dtype))
    return finalise_map(raw, x.shape[-2:], relu=relu, upsample=upsample, normalise=normalise)
