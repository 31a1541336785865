"""Turn raw class activation maps into displayable heatmaps."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def min_max_normalise(maps: torch.Tensor) -> torch.Tensor:
    """Per map: (M − min M) / max(M − min M), or all zeros when M is constant.

    ``maps`` has shape (N, H, W); each of the N maps is scaled on its own.
    """
    flat = maps.flatten(1)
    shifted = flat - flat.min(dim=1, keepdim=True).values
    peak = shifted.max(dim=1, keepdim=True).values
    scaled = torch.where(peak > 0, shifted / torch.where(peak > 0, peak, torch.ones_like(peak)), shifted)
    return scaled.reshape(maps.shape)


def finalise_map(raw: torch.Tensor, input_size, *, relu: bool = True, upsample: bool = False,
                 normalise: bool = True) -> torch.Tensor:
    """ReLU, then (optionally) bilinear upsampling to ``input_size``, then min-max to [0, 1].

    Upsampling comes before normalising so that the returned map spans [0, 1]
    exactly at the resolution it is returned at.
    """
    maps = torch.relu(raw) if relu else raw
    if upsample:
        maps = F.interpolate(maps[:, None], size=tuple(input_size), mode="bilinear",
                             align_corners=False)[:, 0]
    return min_max_normalise(maps) if normalise else maps


def weighted_sum(activations: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """M = Σ_k w_k ⊙ A^k → (N, H', W'), with A (N, K, H', W') and w one weight per channel (N, K), as in
    Grad-CAM, or one per position (N, K, H', W'), as in HiResCAM and LayerCAM."""
    if weights.dim() == 4:
        return (weights * activations).sum(dim=1)
    return torch.einsum("nkhw,nk->nhw", activations, weights)
