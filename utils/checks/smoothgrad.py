"""Stage 06, SmoothGrad: (1/N) Σ_n M(x + ε_n), each ε_n ~ N(0, σ²) drawn afresh.

Checks the noise the explanation was given: its standard deviation is ``noise_std`` (σ, not the variance
σ²), and no two samples share a draw (the largest correlation between two samples' noise stays below
:data:`utils.properties.SAME_NOISE_CORRELATION`).
"""

from __future__ import annotations

import torch

from utils.properties import SAME_NOISE_CORRELATION, largest_noise_correlation


# --- SmoothGrad: fresh noise for every sample -------------------------------------------------------

def check_fresh_noise(noisy_inputs, x, noise_std: float, name: str = "smoothgrad") -> None:
    """The noise in each of ``noisy_inputs`` (what explain was given) is its own draw, of std ``noise_std``."""
    noise = torch.stack([torch.as_tensor(n).detach().to(torch.float64).reshape(-1) for n in noisy_inputs])
    noise = noise - torch.as_tensor(x).detach().to(torch.float64).reshape(1, -1)
    spread = noise.std().item()
    if not 0.7 * noise_std < spread < 1.3 * noise_std:
        raise AssertionError(f"{name}: the noise has standard deviation {spread:.2f}; noise_std={noise_std} is the "
                             "standard deviation (noise_std * torch.randn_like(x)), not the variance.")
    if largest_noise_correlation(noise) > SAME_NOISE_CORRELATION:
        raise AssertionError(f"{name}: two samples got the same noise. Draw fresh noise for every sample, inside "
                             "the loop (and do not re-seed the generator before each draw).")
