"""How many inputs the course sends through a model at once, and the slices that split a batch.

    auto_batch_size(example, total) = batch_size_for(example.numel(), total, example.device)

    on a CPU:  B = min(total, 256, 2**20 // elements per input)      (1 M input elements)
    on a GPU:  B = min(total, 2**24 // elements per input)           (16 M input elements)

On a CPU, small batches stay in cache: measured on 2 cores, IG on
EfficientNet-Lite0 at 224×224 ran fastest at 6 images per batch (1 M input
elements) and the MNIST model at 128-256 images; one batch of all 1,275
SmoothGrad + IG points was 1.7× slower. On a GPU, larger batches keep it busy:
16 M elements (64 MB of float32 input; activations are several times that).
The answer key batches IG's path, SmoothGrad's samples and deletion curves with
this rule, and the complexity estimator uses it to say what the course's batched
computation holds at once.
"""

from __future__ import annotations

from typing import Iterator

import torch

CPU_ELEMENT_BUDGET, CPU_MAX_BATCH = 1 << 20, 256
GPU_ELEMENT_BUDGET = 1 << 24


def batch_size_for(elements_per_input: int, total: int, device) -> int:
    """The batch size for ``total`` inputs of ``elements_per_input`` elements each on ``device`` (the rule above)."""
    per_item = max(1, int(elements_per_input))
    if torch.device(device).type == "cpu":
        return max(1, min(total, CPU_MAX_BATCH, CPU_ELEMENT_BUDGET // per_item))
    return max(1, min(total, GPU_ELEMENT_BUDGET // per_item))


def auto_batch_size(example: torch.Tensor, total: int) -> int:
    """How many inputs shaped like ``example`` (C, H, W) to send through the model at once."""
    return batch_size_for(example.numel(), total, example.device)


def batch_slices(total: int, batch_size: int) -> Iterator[slice]:
    """``slice(0, B)``, ``slice(B, 2B)``, … covering ``range(total)``."""
    for start in range(0, total, batch_size):
        yield slice(start, min(start + batch_size, total))
