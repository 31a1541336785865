"""Expected Gradients, Erion et al. 2021 (Captum's GradientShap without noise): Integrated Gradients averaged
over baselines drawn from the data, each integral estimated by one random point of its path."""

from __future__ import annotations

import torch

from utils.models import evaluating

from ._batching import auto_batch_size, batch_slices
from ._gradients import input_gradients
from ._validation import check_call, check_positive_int


def check_background(background, x: torch.Tensor) -> torch.Tensor:
    """``background`` as a (B, C, H, W) tensor of x's dtype and device, B ≥ 1 baselines shaped like x's examples."""
    if not isinstance(background, torch.Tensor):
        raise TypeError(f"background must be a torch.Tensor of baselines (B, C, H, W), got {type(background).__name__}. "
                        "Pass a batch of inputs from the data, e.g. some training images.")
    if background.dim() == 3:
        background = background.unsqueeze(0)
    if background.dim() != 4 or background.shape[1:] != x.shape[1:] or background.shape[0] == 0:
        raise ValueError(f"background has shape {tuple(background.shape)}; it must hold B ≥ 1 inputs shaped like x's "
                         f"examples: (B, {', '.join(str(d) for d in x.shape[1:])}).")
    return background.detach().to(device=x.device, dtype=x.dtype)


def check_generator(generator) -> None:
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got {type(generator).__name__}. Build one with "
                        "torch.Generator().manual_seed(seed).")


def path_gradient_average(model, x: torch.Tensor, targets: torch.Tensor, references: torch.Tensor,
                          alphas: torch.Tensor) -> torch.Tensor:
    """(1/S) Σ_s (x − x′_s) ⊙ ∇F(x′_s + α_s (x − x′_s)) for each example: the estimator given its draws.

    x (N, C, H, W), targets (N,), references x′ (N, S, C, H, W), alphas (N, S) → (N, C, H, W). The N·S points
    go through the model in batches that fit in memory (``utils.batching``).
    """
    n_examples, n_samples = alphas.shape
    total = n_examples * n_samples
    differences = (x.unsqueeze(1) - references).reshape(total, *x.shape[1:])
    points = references.reshape(total, *x.shape[1:]) + alphas.reshape(total, 1, 1, 1) * differences
    example_of = torch.arange(n_examples, device=x.device).repeat_interleave(n_samples)
    sums = torch.zeros_like(x)
    with evaluating(model):
        for part in batch_slices(total, auto_batch_size(x[0], total)):
            gradients, _ = input_gradients(model, points[part], targets[example_of[part]])
            sums.index_add_(0, example_of[part], differences[part] * gradients)
    return sums / n_samples


def expected_gradients(model, x, target, background, n_samples: int = 64, generator=None) -> torch.Tensor:
    """Expected Gradients, one Monte-Carlo estimate per example:

        EG(x) = E_{x′ ~ background, α ~ U(0, 1)} [ (x − x′) ⊙ ∇F(x′ + α (x − x′)) ]
              ≈ (1/S) Σ_{s=1..S} (x − x′_s) ⊙ ∇F(x′_s + α_s (x − x′_s))

    x (N, C, H, W), background (B, C, H, W) → (N, C, H, W); F the target logit. For each example, S =
    ``n_samples`` baselines are drawn uniformly with replacement from ``background`` and S α's from U(0, 1), with
    ``generator`` (a ``torch.Generator``, drawing on its own device) or, when it is None, torch's global generator,
    so that each call draws afresh. Completeness holds in expectation: E[Σ_i EG_i(x)] = F(x) − E_{x′}[F(x′)]; on a
    linear model F(x) = w·x + b the expectation is w ⊙ (x − mean(background)).

    Captum's ``GradientShap(model).attribute(x, baselines=background, n_samples=S, stdevs=0.0, target=c)`` is the
    same estimator with its draws taken from NumPy's global generator.
    """
    targets = check_call(model, x, target)
    check_positive_int("n_samples", n_samples)
    check_generator(generator)
    x = x.detach()
    background = check_background(background, x)
    device = generator.device if generator is not None else torch.device("cpu")
    indices = torch.randint(background.shape[0], (x.shape[0], n_samples), generator=generator, device=device)
    alphas = torch.rand((x.shape[0], n_samples), generator=generator, device=device, dtype=x.dtype)
    return path_gradient_average(model, x, targets, background[indices.to(x.device)], alphas.to(x.device))
