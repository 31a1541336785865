"""Grad-CAM, Selvaraju et al. 2017."""

from __future__ import annotations

import torch

from ._cam_base import class_activation_map


def gradcam_weights(activations, gradients, targets) -> torch.Tensor:
    """α_k = (1/Z) Σ_ij ∂y_c/∂A^k_ij: the spatial mean of the (signed) gradients."""
    return gradients.mean(dim=(2, 3))


def gradcam(model, x, target, layer=None, *, upsample=False, relu=True, normalise=True) -> torch.Tensor:
    """Gradient-weighted class activation map at ``layer``.

        α_k = mean_ij ∂y_c/∂A^k_ij          L = ReLU(Σ_k α_k A^k)

    then min-max normalised to [0, 1] per image. ``layer`` is a module of the
    model or its dotted name (TinyGradCAMNet and the ImageNet model of
    ``utils.models`` know their default). Shape (N, H', W'), or (N, H, W) with
    ``upsample=True``. One forward and one backward pass.
    """
    return class_activation_map(model, x, target, layer, gradcam_weights,
                                upsample=upsample, relu=relu, normalise=normalise)
