"""Properties a result must have, decided the same way by the visible checks (in the student's kernel) and by
the judge (in the instructor's process): how far one result is from another, what makes a blur baseline a
heavy blur, noise drawn afresh for every sample, hooks left on a model.

Both sides import this module and nothing else of the other's: an edit to a visible check's messages
cannot change how the judge grades, and the judge never imports ``utils.checks``.
"""

from __future__ import annotations

import math

import numpy as np
import torch


def describe_shape(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + (",)" if len(shape) == 1 else ")")


def as_float_tensor(value, expected_shape, name: str = "your function") -> torch.Tensor:
    """``value`` as a float64 CPU tensor of ``expected_shape``.

    Accepts a NumPy array or a tensor (detached or not, on any device), of
    ``expected_shape`` or, when that starts with 1, without that leading batch
    dimension. Anything else raises an ``AssertionError`` that says what was
    returned and what was expected.
    """
    expected_shape = tuple(expected_shape)
    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu()
    elif isinstance(value, np.ndarray):
        if value.dtype == object:
            raise AssertionError(f"{name} returned a NumPy array of Python objects; return numbers "
                                 "(a float array or tensor).")
        tensor = torch.from_numpy(np.ascontiguousarray(value))
    elif value is None:
        raise AssertionError(f"{name} returned None: did you forget the `return` statement?")
    else:
        raise AssertionError(f"{name} returned a {type(value).__name__}; return a torch.Tensor or a "
                             "NumPy array.")
    if tensor.is_complex() or tensor.dtype == torch.bool:
        raise AssertionError(f"{name} returned values of dtype {tensor.dtype}; return real numbers.")
    accepted = [expected_shape]
    if len(expected_shape) > 1 and expected_shape[0] == 1:
        accepted.append(expected_shape[1:])
    if tuple(tensor.shape) not in accepted:
        options = " or ".join(describe_shape(s) for s in accepted)
        raise AssertionError(f"{name} returned shape {describe_shape(tuple(tensor.shape))}; expected {options}.")
    return tensor.reshape(expected_shape).to(torch.float64)


def hook_count(model: torch.nn.Module) -> int:
    """Forward, forward-pre, backward and backward-pre hooks on every module of ``model``."""
    names = ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks")
    return sum(len(getattr(m, n, {})) for m in model.modules() for n in names)


def relative_l2(a, b) -> float:
    """‖a − b‖₂ / ‖b‖₂ in float64 (``a`` reshaped to ``b``'s shape); 0 when both are 0, ∞ when only ``b`` is."""
    b = torch.as_tensor(b).detach().cpu().to(torch.float64)
    a = torch.as_tensor(a).detach().cpu().to(torch.float64).reshape(b.shape)
    scale = torch.linalg.vector_norm(b).item()
    difference = torch.linalg.vector_norm(a - b).item()
    if scale == 0:
        return 0.0 if difference == 0 else math.inf
    return difference / scale


# --- a blur baseline: what makes a blur heavy, whatever the kernel ----------------------------------

#: A heavy blur removes more than this share of the photo's total variation (σ = 10 px removes 74-87 %
#: on the course's photos, a 5 x 5 kernel only 30-52 %) ...
BLUR_MAX_DETAIL = 0.45


#: ... and keeps the layout: the 7 x 7 block means, centred per channel, correlate at least this much
#: with the photo's (σ = 10 px: 0.92-1.00; σ = 30 px: 0.60-0.94; one mean colour everywhere: 0).
BLUR_MIN_LAYOUT = 0.8


#: ... and each channel's mean (zero padding pulls the borders towards 0 and moves it by up to 0.07).
BLUR_MAX_MEAN_SHIFT = 0.03


def total_variation(x: torch.Tensor) -> float:
    """TV(x) = mean |x[i+1, j] − x[i, j]| + mean |x[i, j+1] − x[i, j]|: the fine detail of an image."""
    return ((x[..., 1:, :] - x[..., :-1, :]).abs().mean() + (x[..., :, 1:] - x[..., :, :-1]).abs().mean()).item()


def layout_correlation(a: torch.Tensor, b: torch.Tensor, blocks: int = 7) -> float:
    """Correlation of the ``blocks`` x ``blocks`` block means of two images, each channel centred."""
    def layout(x):
        means = torch.nn.functional.adaptive_avg_pool2d(x.reshape(-1, *x.shape[-3:]).double(), blocks)
        return (means - means.mean(dim=(-2, -1), keepdim=True)).reshape(-1)

    a, b = layout(a), layout(b)
    return (a @ b / (a.norm() * b.norm()).clamp_min(1e-12)).item()


def check_blur_baseline(value, x: torch.Tensor, name: str = "make_baseline(x, 'blur')",
                        value_range=(-1.0, 1.0)) -> torch.Tensor:
    """A heavy blur of ``x``: the same shape and range, the same mean colour per channel, most of the
    fine detail gone (:data:`BLUR_MAX_DETAIL`), the coarse layout kept (:data:`BLUR_MIN_LAYOUT`).

    Any blur with those properties passes (a Gaussian of σ from about 5 to 20 pixels with reflect
    padding, a wide box filter); the exact kernel is yours to choose.
    """
    x = torch.as_tensor(x).detach().to(torch.float64)
    blurred = as_float_tensor(value, tuple(x.shape), name)
    lo, hi = value_range
    if not torch.isfinite(blurred).all() or blurred.min() < lo - 1e-6 or blurred.max() > hi + 1e-6:
        raise AssertionError(f"{name} leaves the model's input range [{lo:g}, {hi:g}] (or holds NaN): a blur only "
                             "averages neighbouring pixels, so it stays in the photo's range.")
    shift = (blurred.mean(dim=(-2, -1)) - x.mean(dim=(-2, -1))).abs().max().item()
    if shift > BLUR_MAX_MEAN_SHIFT:
        raise AssertionError(f"{name} changes the photo's mean colour by {shift:.3f} (at most {BLUR_MAX_MEAN_SHIFT} is "
                             "accepted): a blur keeps the colours. Pad by reflecting the border (torchvision's "
                             "gaussian_blur does), not with zeros, which pull the edges towards grey.")
    detail = total_variation(blurred) / max(total_variation(x), 1e-12)
    if detail > BLUR_MAX_DETAIL:
        raise AssertionError(f"{name} keeps {detail:.0%} of the photo's fine detail (total variation); a baseline "
                             f"blur must remove most of it (keep at most {BLUR_MAX_DETAIL:.0%}). Blur more: a larger "
                             "sigma, and a kernel wide enough for it (about 3 sigma on each side).")
    layout = layout_correlation(blurred, x)
    if layout < BLUR_MIN_LAYOUT:
        raise AssertionError(f"{name} no longer shows where things are in the photo (the correlation of its 7 x 7 "
                             f"block means with the photo's is {layout:.2f}, below {BLUR_MIN_LAYOUT}): blur less, "
                             "so that the colours of each region stay in place.")
    return blurred


# --- SmoothGrad: fresh noise for every sample -------------------------------------------------------

#: Independent draws of d values correlate by about 1/√d (d ≥ 64 in the course's checks: |r| < 0.6 with
#: overwhelming odds); one draw reused, or the same seed set before every draw, gives r = 1.
#: Independent draws of d values correlate by about 1/√d (d ≥ 64 in the course's checks: |r| < 0.6 with
#: overwhelming odds); one draw reused, or the same seed set before every draw, gives r = 1.
SAME_NOISE_CORRELATION = 0.6


def largest_noise_correlation(noise: torch.Tensor) -> float:
    """max_{i≠j} |corr(noise_i, noise_j)| over the rows of ``noise`` (n_samples, d); 0 for a single row."""
    centred = noise - noise.mean(dim=1, keepdim=True)
    unit = centred / centred.norm(dim=1, keepdim=True).clamp_min(1e-300)
    correlation = unit @ unit.T
    correlation.fill_diagonal_(0)
    return correlation.abs().max().item()
