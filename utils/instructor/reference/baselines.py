"""Reference inputs ("baselines") for Integrated Gradients."""

from __future__ import annotations

import torch
from torchvision.transforms.functional import gaussian_blur

from utils.names import BASELINE_KINDS

from ._validation import check_batch

BLUR_KERNEL_SIZE = 31
BLUR_SIGMA = 10.0


def make_baseline(x: torch.Tensor, kind: str, *, value_range=(-1.0, 1.0), seed: int = 0) -> torch.Tensor:
    """A baseline x' of x's shape, in the model's input space ``value_range = (lo, hi)``.

    zeros  x' = 0 everywhere: for inputs in [-1, 1] this is mid-grey, not black
    black  x' = lo  (-1 for the ImageNet model, 0 for MNIST in [0, 1])
    white  x' = hi  (+1, or 1 for MNIST)
    blur   x' = Gaussian blur of x, kernel 31×31, σ = 10
           (``torchvision.transforms.functional.gaussian_blur``, reflect padding)
    noise  x' ~ Uniform[lo, hi] i.i.d., drawn from ``torch.Generator().manual_seed(seed)``

    The noise is drawn on the CPU in x's dtype and then moved to x's device, so
    the same seed gives the same baseline on every machine.
    """
    check_batch(x)
    if kind not in BASELINE_KINDS:
        raise ValueError(f"unknown baseline kind {kind!r}; choose one of {BASELINE_KINDS}.")
    lo, hi = (float(v) for v in value_range)
    if not lo < hi:
        raise ValueError(f"value_range must be (low, high) with low < high, got {value_range!r}.")
    x = x.detach()
    if kind == "zeros":
        return torch.zeros_like(x)
    if kind == "black":
        return torch.full_like(x, lo)
    if kind == "white":
        return torch.full_like(x, hi)
    if kind == "blur":
        return gaussian_blur(x, [BLUR_KERNEL_SIZE, BLUR_KERNEL_SIZE], [BLUR_SIGMA, BLUR_SIGMA])
    generator = torch.Generator().manual_seed(seed)
    noise = torch.rand(x.shape, generator=generator, dtype=x.dtype)
    return (lo + (hi - lo) * noise).to(x.device)
