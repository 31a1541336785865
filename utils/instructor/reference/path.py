"""The straight-line path of Integrated Gradients."""

from __future__ import annotations

import torch

from ._validation import check_batch, check_steps, match_baseline


def interpolate_path(x: torch.Tensor, baseline, steps: int) -> torch.Tensor:
    """The steps + 1 points x'+ α_k (x − x'), α_k = k/steps, k = 0..steps, of one example.

    x, baseline: (1, C, H, W)  →  (steps + 1, C, H, W), in float64: the first point
    is the baseline, the last the input.
    """
    check_batch(x)
    check_steps(steps)
    baseline = match_baseline(baseline, x)
    alphas = torch.arange(steps + 1, dtype=torch.float64, device=x.device) / steps
    return baseline[0].double() + alphas.view(-1, 1, 1, 1) * (x[0] - baseline[0]).double()
