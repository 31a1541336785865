"""Faithfulness by deletion and insertion, Petsiuk, Das & Saenko 2018 (RISE, §4.1).

If a map ranks the pixels by how much the model needs them, removing the top of
the ranking first should make the class's probability fall fast (deletion: a
small area under the curve is good), and revealing them first on an empty
canvas should make it rise fast (insertion: a large area is good).

Conventions (the notebook's exercise states the same):

* pixel score  s_p = Σ_c attribution[c, p]  (signed sum over channels, so evidence
  *against* the class is removed last); a map without channels is used as it is;
* order        descending by s_p; ties keep row-major pixel order (a stable sort);
* step k       of ``steps`` (k = 0 … steps) changes the first n_k = ⌊k·P/steps⌋
  pixels of the order (P = H·W), all channels of a pixel together;
* value        the softmax probability of the target class, so a curve has
  steps + 1 points, from the unchanged input (0 %) to the fully changed one (100 %);
* area         the trapezoid rule over [0, 1], the points evenly spaced.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch

from utils.models import evaluating

from ._batching import auto_batch_size, batch_slices
from ._gradients import forward_logits
from ._validation import check_call, check_steps, check_target_range


def pixel_scores(attribution, x: torch.Tensor) -> torch.Tensor:
    """s (N, H·W): the attribution summed over channels, for each example of ``x`` (N, C, H, W).

    Accepted attribution shapes: x's own (N, C, H, W), (N, 1, H, W), (N, H, W),
    and for N = 1 also (C, H, W), (1, H, W) or (H, W).
    """
    if isinstance(attribution, np.ndarray):
        attribution = torch.from_numpy(np.ascontiguousarray(attribution))
    if not isinstance(attribution, torch.Tensor):
        raise TypeError(f"attribution must be a torch.Tensor or a NumPy array (a map of the input), got "
                        f"{type(attribution).__name__}.")
    a = attribution.detach().to(device=x.device, dtype=torch.float64)
    n, c, h, w = x.shape
    if a.shape[-2:] != (h, w):
        raise ValueError(f"attribution has shape {tuple(a.shape)} but x is {tuple(x.shape)}: the map must have the "
                         f"input's height and width ({h}, {w}); upsample a coarse map (e.g. Grad-CAM) first.")
    if a.dim() == 4 and a.shape[0] == n and a.shape[1] in (c, 1):
        summed = a.sum(1)
    elif a.dim() == 3 and a.shape[0] == n:
        summed = a
    elif n == 1 and a.dim() == 3 and a.shape[0] in (c, 1):
        summed = a.sum(0, keepdim=True)
    elif n == 1 and a.dim() == 2:
        summed = a[None]
    else:
        raise ValueError(f"attribution has shape {tuple(a.shape)}, which does not fit x of shape {tuple(x.shape)}; "
                         f"pass a map of shape {tuple(x.shape)} or one map (H, W) per example.")
    if not torch.isfinite(summed).all():
        raise ValueError("attribution holds NaN or infinite values; there is no order of its pixels.")
    return summed.reshape(n, h * w)


def pixel_order(scores: torch.Tensor) -> torch.Tensor:
    """Pixel indices (N, P) from the highest score to the lowest; equal scores keep row-major order."""
    return torch.argsort(scores, dim=1, descending=True, stable=True)


def changed_counts(steps: int, n_pixels: int) -> torch.Tensor:
    """n_k = ⌊k · P / steps⌋ for k = 0 … steps: how many pixels are changed after step k (n_0 = 0, n_steps = P)."""
    return torch.arange(steps + 1, dtype=torch.long) * n_pixels // steps


def _baseline_like(baseline, x: torch.Tensor) -> torch.Tensor:
    if baseline is None:
        return torch.zeros_like(x)
    if isinstance(baseline, numbers.Real) and not isinstance(baseline, bool):
        return torch.full_like(x, float(baseline))
    if not isinstance(baseline, torch.Tensor):
        raise TypeError(f"baseline must be a tensor of x's shape or a number, got {type(baseline).__name__}.")
    single = x.shape[1:]
    if baseline.shape == x.shape:
        out = baseline
    elif baseline.shape in (single, (1, *single)):
        out = baseline.reshape(1, *single).expand_as(x)
    else:
        raise ValueError(f"baseline has shape {tuple(baseline.shape)} but x has shape {tuple(x.shape)}; pass a "
                         f"baseline of x's shape (e.g. torch.zeros_like(x)) or a number.")
    return out.detach().to(device=x.device, dtype=x.dtype)


def _curves(model, x, target, attribution, steps, baseline, insert: bool) -> torch.Tensor:
    targets = check_call(model, x, target)
    check_steps(steps)
    x = x.detach()
    baseline = _baseline_like(baseline, x)
    n, c, h, w = x.shape
    order = pixel_order(pixel_scores(attribution, x))
    rank = torch.empty_like(order)
    rank.scatter_(1, order, torch.arange(h * w, device=x.device).expand(n, -1))
    changed = rank[:, None, :] < changed_counts(steps, h * w).to(x.device)[None, :, None]  # (N, steps+1, P)
    before, after = (baseline, x) if insert else (x, baseline)
    curves = x.new_empty((n, steps + 1))
    per_call = auto_batch_size(x[0], steps + 1)
    with evaluating(model), torch.no_grad():
        for i in range(n):
            mask = changed[i].reshape(steps + 1, 1, h, w)
            for part in batch_slices(steps + 1, per_call):
                images = torch.where(mask[part], after[i:i + 1], before[i:i + 1])
                logits = forward_logits(model, images)
                check_target_range(targets[i:i + 1], logits.shape[1])
                curves[i, part] = logits.softmax(dim=1)[:, targets[i]]
    return curves


def deletion_curve(model, x: torch.Tensor, target, attribution, steps: int = 50, baseline=None) -> torch.Tensor:
    """The target's probability as the most important pixels are replaced by the baseline's, shape (N, steps + 1).

        order          pixels by Σ_c attribution, highest first (stable)
        x^(k)_p        = baseline_p  if p is among the first ⌊k·P/steps⌋ of the order,  x_p otherwise
        curve[k]       = softmax(model(x^(k)))[target],     k = 0 … steps

    curve[0] is the probability of x itself, curve[steps] that of the baseline.
    ``baseline``: a tensor of x's shape (or (C, H, W)), a number, or None for
    zeros (mid-grey for the ImageNet model's [-1, 1] inputs, black for MNIST).
    Eval mode, no gradients; the images of a curve go through the model in
    batches.

    Quantus 0.6.0 computes the same points 1 … steps with
    ``PixelFlipping(features_in_step=C·P/steps, perturb_baseline=<the constant>,
    abs=False, normalise=True)`` (softmax on, its default) given the
    channel-summed map broadcast over the C channels, when P is a multiple of
    ``steps``; and ``RegionPerturbation(patch_size=1, order="morf",
    regions_evaluation=P)`` returns curve[0] − curve[k] for steps = P.
    """
    return _curves(model, x, target, attribution, steps, baseline, insert=False)


def insertion_curve(model, x: torch.Tensor, target, attribution, steps: int = 50, baseline=None) -> torch.Tensor:
    """The target's probability as the most important pixels of x are revealed on the baseline, shape (N, steps + 1).

        x^(k)_p        = x_p  if p is among the first ⌊k·P/steps⌋ of the order,  baseline_p otherwise
        curve[k]       = softmax(model(x^(k)))[target],     k = 0 … steps

    The same order and steps as :func:`deletion_curve`; curve[0] is the
    probability of the baseline, curve[steps] that of x. Petsiuk et al. start
    from a blurred copy of the image. Insertion from baseline b equals deletion
    of the image b towards the "baseline" x: ``insertion_curve(m, x, t, a, s, b)
    == deletion_curve(m, b, t, a, s, x)`` (tested).

    Quantus 0.6.0 has no insertion metric; its ``PixelFlipping`` given the
    baseline as ``x_batch`` and a ``perturb_func`` that copies x's values in at
    the flipped indices computes points 1 … steps (tested).
    """
    return _curves(model, x, target, attribution, steps, baseline, insert=True)


def area_under_curve(curve) -> float | torch.Tensor:
    """The trapezoid rule over [0, 1] with the K points of the curve evenly spaced (Δ = 1 / (K − 1)).

        AUC = Σ_{k=1}^{K−1} (curve[k−1] + curve[k]) / 2 · 1 / (K − 1)

    A float for one curve (K,), a tensor (N,) for curves (N, K). (Quantus's
    ``calculate_auc`` integrates over the step index, Δ = 1: (K − 1) times this.)
    """
    if isinstance(curve, torch.Tensor):
        values = curve.detach().cpu().to(torch.float64)
    else:
        try:
            values = torch.as_tensor(np.asarray(curve, dtype=np.float64))
        except (TypeError, ValueError):
            raise TypeError(f"curve must be a 1-D tensor, array or list of numbers, got {type(curve).__name__}.") \
                from None
    if values.dim() not in (1, 2) or values.shape[-1] < 2:
        raise ValueError(f"curve must have shape (K,) or (N, K) with K >= 2 points, got {tuple(values.shape)}.")
    if not torch.isfinite(values).all():
        raise ValueError("curve holds NaN or infinite values.")
    k = values.shape[-1]
    areas = ((values[..., 1:] + values[..., :-1]) / 2).sum(-1) / (k - 1)
    return float(areas) if values.dim() == 1 else areas
