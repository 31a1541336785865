"""SmoothGrad, Smilkov et al. 2017: average any explanation over noisy copies."""

from __future__ import annotations

from typing import Callable

import torch

from ._batching import auto_batch_size, batch_slices
from ._validation import check_call, check_positive_int


def smoothgrad(
    explain: Callable,
    model,
    x: torch.Tensor,
    target,
    n_samples: int = 25,
    noise_std: float = 0.1,
    seed: int = 0,
    **kwargs,
) -> torch.Tensor:
    """The plain mean of an explanation over Gaussian perturbations of the input.

        M̂(x) = (1/n) Σ_{k=1..n} explain(model, x + ε_k, target),   ε_k ~ N(0, σ² I)

    ``explain`` is any method with the ``(model, x, target, **kwargs)`` signature
    of this package (vanilla_gradients, integrated_gradients, gradcam, ...);
    ``kwargs`` go to it unchanged. The noise comes from
    ``torch.Generator().manual_seed(seed)`` (drawn on the CPU, then moved to x's
    device), so a call is reproducible. No re-normalisation is applied after
    averaging: the mean is returned as it is.

    The n noisy copies of every example are explained together in as few calls
    of ``explain`` as memory allows, so a batched method (IG batches its path)
    sees samples × steps points at once.
    """
    targets = check_call(model, x, target)
    check_positive_int("n_samples", n_samples)
    if not noise_std >= 0:
        raise ValueError(f"noise_std must be >= 0, got {noise_std!r}.")
    if not callable(explain):
        raise TypeError(f"explain must be a function like gradcam or integrated_gradients, got {explain!r}.")
    x = x.detach()
    n = x.shape[0]
    generator = torch.Generator().manual_seed(seed)
    noise = torch.randn((n_samples, *x.shape), generator=generator, dtype=x.dtype).to(x.device)
    noisy = (x.unsqueeze(0) + noise_std * noise).reshape(n_samples * n, *x.shape[1:])
    noisy_targets = targets.repeat(n_samples)

    sums = None
    per_call = auto_batch_size(x[0], n_samples * n)
    for part in batch_slices(n_samples * n, per_call):
        maps = explain(model, noisy[part], noisy_targets[part], **kwargs)
        if not isinstance(maps, torch.Tensor):
            raise TypeError(
                f"explain returned {type(maps).__name__}; SmoothGrad needs a method that returns a tensor of maps."
            )
        if sums is None:
            sums = maps.new_zeros((n, *maps.shape[1:]))
        # copies are laid out sample-major: copy j belongs to example j % n
        sums.index_add_(0, torch.arange(part.start, part.stop, device=maps.device) % n, maps)
    return sums / n_samples
