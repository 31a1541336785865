"""How far attributions are from explaining the whole change of the score."""

from __future__ import annotations

import torch

from utils.models import evaluating

from ._gradients import forward_logits, target_logits
from ._validation import check_call, match_baseline


def completeness_gap(model, x: torch.Tensor, target, attributions, baseline=None) -> float:
    """Σ_i a_i − (F(x) − F(x′)) for one example, F the target logit.

    x, attributions, baseline: (1, C, H, W); returns a float. Zero for exact IG;
    for the trapezoid rule it is the quadrature error.
    """
    targets = check_call(model, x, target)
    baseline = match_baseline(baseline, x)
    with evaluating(model), torch.no_grad():
        ends = target_logits(forward_logits(model, torch.cat([x.detach(), baseline])), targets.repeat(2))
    total = torch.as_tensor(attributions).detach().to(torch.float64).sum()
    return float(total - (ends[0] - ends[1]).double())
