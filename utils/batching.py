"""How many inputs the course sends through a model at once, and the slices that split a batch.

    auto_batch_size(example, total) = batch_size_for(example.numel(), total, example.device)

    on a CPU:  B = min(total, 256, 2**20 // elements per input)                       (1 M input elements)
    on a GPU:  B = min(total, (free bytes / 4) // (256 × bytes per input)), at least 1
                   free bytes = torch.cuda.mem_get_info(device)[0], read at the call

On a CPU, small batches stay in cache: measured on 2 cores, IG on
EfficientNet-Lite0 at 224×224 ran fastest at 6 images per batch (1 M input
elements) and the MNIST model at 128-256 images; one batch of all 1,275
SmoothGrad + IG points was 1.7× slower. On a GPU, larger batches keep it busy,
as large as its free memory allows: a backward pass keeps 50-213 bytes of
activations per byte of input on the estimator's networks at 224×224 (counted by
hooks: ResNet-18 50, MobileNetV2 129, EfficientNet-Lite0 166, VGG-16 191,
ResNet-50 213), so 256 leaves room for the gradients, and a quarter of the free
memory leaves the rest to other work. On an
H200 (139 GiB) that is about 240 images of 224×224 at a time, where the single
16 M-element budget used before gave 111 on every GPU; that budget was 10 %
slower than 408 on a batch of 32 images there. Not yet measured on a GPU with
this rule: ``python -m utils.instructor.tools.gpu_check`` prints the figures.
The answer key batches IG's path, SmoothGrad's samples and deletion curves with
this rule, and the complexity estimator uses it to say what the course's batched
computation holds at once.
"""

from __future__ import annotations

from typing import Iterator

import torch

CPU_ELEMENT_BUDGET, CPU_MAX_BATCH = 1 << 20, 256
GPU_FREE_SHARE, GPU_BYTES_PER_INPUT_BYTE = 4, 256


def free_gpu_bytes(device) -> int:
    """Bytes the CUDA driver says are free on ``device`` now."""
    return int(torch.cuda.mem_get_info(torch.device(device))[0])


def batch_size_for(elements_per_input: int, total: int, device, element_size: int = 4, free_bytes=None) -> int:
    """The batch size for ``total`` inputs of ``elements_per_input`` elements each on ``device`` (the rule above).

    ``free_bytes`` (a function of the device) reads a GPU's free memory; tests pass a stand-in.
    """
    per_item = max(1, int(elements_per_input))
    device = torch.device(device)
    if device.type == "cpu":
        return max(1, min(total, CPU_MAX_BATCH, CPU_ELEMENT_BUDGET // per_item))
    free = (free_bytes or free_gpu_bytes)(device)
    return max(1, min(total, (free // GPU_FREE_SHARE) // (GPU_BYTES_PER_INPUT_BYTE * per_item * element_size)))


def auto_batch_size(example: torch.Tensor, total: int) -> int:
    """How many inputs shaped like ``example`` (C, H, W) to send through the model at once."""
    return batch_size_for(example.numel(), total, example.device, example.element_size())


def batch_slices(total: int, batch_size: int) -> Iterator[slice]:
    """``slice(0, B)``, ``slice(B, 2B)``, … covering ``range(total)``."""
    for start in range(0, total, batch_size):
        yield slice(start, min(start + batch_size, total))
