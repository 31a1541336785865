"""Split many forward/backward passes into batches that fit in memory."""

from __future__ import annotations

from typing import Iterator

import torch

# On a CPU, small batches stay in cache: measured on 2 cores, IG on EfficientNet-
# Lite0 at 224x224 ran fastest at 6 images per batch (1 M input elements) and the
# MNIST model at 128-256 images; one batch of all 1,275 SmoothGrad+IG points was
# 1.7x slower. On a GPU, larger batches keep it busy: 16 M elements (64 MB of
# float32 input; activations are several times that).
CPU_ELEMENT_BUDGET, CPU_MAX_BATCH = 1 << 20, 256
GPU_ELEMENT_BUDGET = 1 << 24


def auto_batch_size(example: torch.Tensor, total: int) -> int:
    """How many inputs shaped like ``example`` (C, H, W) to send through the model at once."""
    per_item = max(1, example.numel())
    if example.device.type == "cpu":
        return max(1, min(total, CPU_MAX_BATCH, CPU_ELEMENT_BUDGET // per_item))
    return max(1, min(total, GPU_ELEMENT_BUDGET // per_item))


def batch_slices(total: int, batch_size: int) -> Iterator[slice]:
    for start in range(0, total, batch_size):
        yield slice(start, min(start + batch_size, total))
