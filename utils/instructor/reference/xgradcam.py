"""XGrad-CAM, Fu et al. 2020: each position's gradient weighted by that position's share of the channel."""

from __future__ import annotations

import torch

from ._cam_base import class_activation_map


def xgradcam_weights(activations, gradients, targets) -> torch.Tensor:
    """α_k = Σ_ij (A^k_ij / Σ_ab A^k_ab) ∂y_c/∂A^k_ij, shape (N, K); α_k = 0 where Σ_ab A^k_ab = 0 (a dead channel
    contributes nothing to the map whatever its weight)."""
    totals = activations.sum(dim=(2, 3))
    nonzero = totals != 0
    safe_totals = torch.where(nonzero, totals, torch.ones_like(totals))
    return torch.where(nonzero, (activations * gradients).sum(dim=(2, 3)) / safe_totals, torch.zeros_like(totals))


def xgradcam(model, x, target, layer=None, raw=False, *, upsample=False, relu=True, normalise=True) -> torch.Tensor:
    """XGrad-CAM map at ``layer``:

        α_k = Σ_ij (A^k_ij / Σ_ab A^k_ab) ∂y_c/∂A^k_ij     M = Σ_k α_k A^k   (N, H', W')
        L = ReLU(M), min-max normalised per image

    ``raw=True`` returns M. At a global-average-pool + linear head the gradient is the constant w^c_k/(H'W'), so
    α_k = w^c_k/(H'W') there: M equals HiResCAM's and Grad-CAM's raw maps (for every channel with Σ A^k ≠ 0).
    One forward and one backward pass.
    """
    if raw:
        relu = normalise = False
    return class_activation_map(model, x, target, layer, xgradcam_weights,
                                upsample=upsample, relu=relu, normalise=normalise)
