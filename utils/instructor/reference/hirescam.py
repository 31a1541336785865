"""HiResCAM, Draelos & Carin 2020: the gradient kept at every position instead of averaged."""

from __future__ import annotations

import torch

from ._cam_base import class_activation_map


def hirescam_weights(activations, gradients, targets) -> torch.Tensor:
    """w^k_ij = ∂y_c/∂A^k_ij, one weight per channel and position (N, K, H', W'): no spatial mean."""
    return gradients


def hirescam(model, x, target, layer=None, raw=False, *, upsample=False, relu=True, normalise=True) -> torch.Tensor:
    """HiResCAM map at ``layer``:

        M = Σ_k ∂y_c/∂A^k ⊙ A^k   (N, H', W')          L = ReLU(M), min-max normalised per image

    ``raw=True`` returns M itself (no ReLU, no normalisation): the map the identities hold for. On a network
    whose head is global average pooling and a linear layer read at the pooled layer, ∂y_c/∂A^k_ij = w^c_k/(H'W')
    at every position, so Σ_ij M_ij = y_c − b_c exactly, and M equals Grad-CAM's raw map Σ_k mean_ij(∂y_c/∂A^k) A^k
    (and CAM's raw map divided by H'W'). At an earlier layer, or before a non-linear part, neither holds.
    One forward and one backward pass.
    """
    if raw:
        relu = normalise = False
    return class_activation_map(model, x, target, layer, hirescam_weights,
                                upsample=upsample, relu=relu, normalise=normalise)
