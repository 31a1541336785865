"""LayerCAM, Jiang et al. 2021: only the positive gradients, kept at every position."""

from __future__ import annotations

import torch

from ._cam_base import class_activation_map


def layercam_weights(activations, gradients, targets) -> torch.Tensor:
    """w^k_ij = ReLU(∂y_c/∂A^k_ij), one weight per channel and position (N, K, H', W')."""
    return torch.relu(gradients)


def layercam(model, x, target, layer=None, raw=False, *, upsample=False, relu=True, normalise=True) -> torch.Tensor:
    """LayerCAM map at ``layer``:

        M = Σ_k ReLU(∂y_c/∂A^k) ⊙ A^k   (N, H', W')          L = ReLU(M), min-max normalised per image

    ``raw=True`` returns M. Positions where the class score falls as A rises get no weight, which keeps the map
    usable at shallow layers, where Grad-CAM's spatial mean of signed gradients nearly cancels. It is HiResCAM with
    a ReLU on the gradient: on a global-average-pool head the two differ by the channels of negative classifier
    weight. One forward and one backward pass.
    """
    if raw:
        relu = normalise = False
    return class_activation_map(model, x, target, layer, layercam_weights,
                                upsample=upsample, relu=relu, normalise=normalise)
