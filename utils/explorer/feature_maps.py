"""A layer's feature maps, every channel, with the weight Grad-CAM gives each.

    A^k = the layer's output, channel k;   w_k = mean_ij ∂y_c/∂A^k_ij   (Grad-CAM's weight)
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import torch

from utils.hooks import feature_maps_and_gradients


def candidate_layers(model) -> list[str]:
    """Layers worth looking at: TinyGradCAMNet's activations, EfficientNet's blocks and last feature map."""
    names = [n for n, _ in model.named_children()]
    if "act3" in names:
        return ["act1", "act2", "act3"]
    if "blocks" in names:
        return [f"blocks.{i}" for i in range(len(model.blocks))] + ["bn2"]
    return [n for n, m in model.named_modules() if isinstance(m, torch.nn.Conv2d)]


def maps_and_weights(model, x, class_idx: int, layer: str):
    """(A, w): the layer's output (K, H', W') and Grad-CAM's channel weights (K,)."""
    activations, gradients = feature_maps_and_gradients(model, x, class_idx, layer)
    return activations, gradients.mean(dim=(1, 2))


def feature_map_figure(activations: torch.Tensor, weights: torch.Tensor, layer: str, max_channels: int = 32):
    """A grid of channels; with more than ``max_channels``, those with the largest |weight|."""
    order = weights.abs().argsort(descending=True)[:max_channels]
    if activations.shape[0] <= max_channels:
        order = torch.arange(activations.shape[0])
    columns = 8
    rows = math.ceil(len(order) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 1.6, rows * 1.8), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, k in zip(axes.flat, order.tolist()):
        ax.imshow(activations[k].numpy(), cmap="viridis")
        ax.set_title(f"ch {k}: w={weights[k]:+.2g}", fontsize=7, color="firebrick" if weights[k] < 0 else "black")
    shown = "all" if len(order) == activations.shape[0] else f"{len(order)} of {activations.shape[0]} (largest |w|)"
    fig.suptitle(f"{layer}: {shown} channels; w = Grad-CAM weight (mean gradient)", fontsize=9)
    fig.tight_layout()
    return fig
