"""Pictures of explanations: signed maps, magnitude maps and CAM overlays.

Every function accepts tensors or arrays, with or without a batch dimension of 1,
and returns the matplotlib ``Axes`` it drew on.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch


def to_numpy_map(attribution, reduce: str = "sum") -> np.ndarray:
    """A 2-D array from an attribution of shape (H, W), (C, H, W) or (1, C, H, W).

    Channels are combined with ``reduce`` ("sum" keeps the sign and the
    completeness of IG; "mean" the same up to a factor; "abs" for magnitudes).
    """
    a = torch.as_tensor(np.asarray(attribution.detach().cpu() if isinstance(attribution, torch.Tensor)
                                   else attribution), dtype=torch.float64)
    while a.dim() > 3 and a.shape[0] == 1:
        a = a[0]
    if a.dim() == 3:
        if reduce == "sum":
            a = a.sum(0)
        elif reduce == "mean":
            a = a.mean(0)
        elif reduce == "abs":
            a = a.abs().sum(0)
        else:
            raise ValueError(f"reduce must be 'sum', 'mean' or 'abs', got {reduce!r}.")
    if a.dim() != 2:
        raise ValueError(f"cannot draw an attribution of shape {tuple(a.shape)}; expected (H, W) or (C, H, W).")
    return a.numpy()


def to_display(tensor: torch.Tensor) -> np.ndarray:
    """(3, H, W) in [-1, 1] → (H, W, 3) in [0, 1] for ``plt.imshow``."""
    t = torch.as_tensor(tensor).detach().cpu().float()
    if t.dim() == 4:
        t = t[0]
    return ((t.permute(1, 2, 0) + 1) / 2).clamp(0, 1).numpy()


def image_for_display(image) -> np.ndarray:
    """(3, H, W) in [-1, 1] or (1, H, W)/(H, W) in [0, 1] → an array ``imshow`` can show."""
    t = torch.as_tensor(np.asarray(image.detach().cpu() if isinstance(image, torch.Tensor) else image))
    while t.dim() > 3 and t.shape[0] == 1:
        t = t[0]
    if t.dim() == 3 and t.shape[0] == 3:
        return to_display(t)
    if t.dim() == 3 and t.shape[0] == 1:
        t = t[0]
    return t.float().numpy()


def show_signed_map(attribution, ax=None, title: str | None = None, reduce: str = "sum",
                    percentile: float = 99.5, cmap: str = "RdBu_r", colorbar: bool = True):
    """A signed map on a diverging colormap centred on 0 (red positive, blue negative).

    The colour scale is symmetric, ±(the ``percentile`` of |map|), so that a few
    extreme pixels do not wash everything else out and 0 is always white.
    """
    ax = ax or plt.gca()
    m = to_numpy_map(attribution, reduce)
    limit = float(np.percentile(np.abs(m), percentile)) or float(np.abs(m).max()) or 1.0
    shown = ax.imshow(m, cmap=cmap, vmin=-limit, vmax=limit)
    if colorbar:
        plt.colorbar(shown, ax=ax, fraction=0.046, pad=0.04)
    _finish(ax, title)
    return ax


def show_magnitude_map(attribution, ax=None, title: str | None = None, percentile: float = 99.5,
                       cmap: str = "Reds", colorbar: bool = True):
    """|map| summed over channels, from 0 (white) to the ``percentile`` of its values."""
    ax = ax or plt.gca()
    m = to_numpy_map(attribution, "abs")
    limit = float(np.percentile(m, percentile)) or float(m.max()) or 1.0
    shown = ax.imshow(m, cmap=cmap, vmin=0, vmax=limit)
    if colorbar:
        plt.colorbar(shown, ax=ax, fraction=0.046, pad=0.04)
    _finish(ax, title)
    return ax


def show_heatmap_overlay(image, heatmap, ax=None, title: str | None = None, alpha: float = 0.5,
                         cmap: str = "jet"):
    """A [0, 1] heatmap (e.g. a CAM of any resolution) over the image, stretched to fit it."""
    ax = ax or plt.gca()
    shown = image_for_display(image)
    h = to_numpy_map(heatmap)
    ax.imshow(shown, cmap="gray" if shown.ndim == 2 else None)
    height, width = shown.shape[:2]
    ax.imshow(h, cmap=cmap, alpha=alpha, vmin=0, vmax=1, extent=(-0.5, width - 0.5, height - 0.5, -0.5),
              interpolation="bilinear")
    _finish(ax, title)
    return ax


def show_image(image, ax=None, title: str | None = None):
    ax = ax or plt.gca()
    shown = image_for_display(image)
    ax.imshow(shown, cmap="gray" if shown.ndim == 2 else None)
    _finish(ax, title)
    return ax


def _finish(ax, title):
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)
