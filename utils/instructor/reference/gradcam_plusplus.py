"""Grad-CAM++, Chattopadhay et al. 2018."""

from __future__ import annotations

import torch

from ._cam_base import class_activation_map


def gradcam_plusplus_weights(activations, gradients, targets) -> torch.Tensor:
    """w_k = Σ_ij a^k_ij · ReLU(g^k_ij), with the closed form for an exponential output

        a^k_ij = g² / (2 g² + Σ_ab A^k_ab · g³),   g = ∂y_c/∂A^k_ij

    and a^k_ij = 0 where the denominator is 0 (no gradient, no weight).
    """
    g2 = gradients.pow(2)
    g3 = g2 * gradients
    denominator = 2 * g2 + activations.sum(dim=(2, 3), keepdim=True) * g3
    nonzero = denominator != 0
    alpha = torch.where(nonzero, g2 / torch.where(nonzero, denominator, torch.ones_like(denominator)),
                        torch.zeros_like(g2))
    return (alpha * torch.relu(gradients)).sum(dim=(2, 3))


def gradcam_plusplus(model, x, target, layer=None, *, upsample=False, relu=True, normalise=True) -> torch.Tensor:
    """Grad-CAM++ map at ``layer``: L = ReLU(Σ_k w_k A^k), w from
    :func:`gradcam_plusplus_weights`, min-max normalised to [0, 1] per image.

    Same passes as Grad-CAM (one forward, one backward); the higher-order terms
    come in closed form from the first gradient, as in the paper.
    """
    return class_activation_map(model, x, target, layer, gradcam_plusplus_weights,
                                upsample=upsample, relu=relu, normalise=normalise)
