"""Measuring a model on this machine: wall-clock time, the activations a backward pass keeps, a GPU's extra peak."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import torch


def best_time(function, repeat: int = 2, warmup: int = 0) -> float:
    """The shortest of ``repeat`` wall-clock runs of ``function()``, in seconds, after ``warmup`` untimed runs.

    The best run is the one least disturbed by the rest of the machine. When a
    GPU is present, its queued work is waited for before and after each run. A
    warm-up run pays the one-off costs of a new input shape (cuDNN's choice of
    algorithm, the allocator's first blocks: 8× the second call on a GPU).
    """
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeat):
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        start = time.perf_counter()
        function()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return min(times)


def activation_bytes(model: torch.nn.Module, in_ch: int, H: int, W: int) -> int:
    """Bytes of every leaf module's output in one forward pass of one image (what a backward pass keeps).

    The dummy input is made on the device and in the dtype of the model's first
    parameter, so a model on the ``meta`` device is measured without any memory.
    """
    sizes = []
    leaves = [m for m in model.modules() if not list(m.children())]
    handles = [m.register_forward_hook(lambda _m, _i, out: sizes.append(out.numel() * out.element_size()))
               for m in leaves]
    parameter = next(model.parameters())
    try:
        with torch.no_grad():
            model(torch.zeros(1, in_ch, H, W, device=parameter.device, dtype=parameter.dtype))
    finally:
        for handle in handles:
            handle.remove()
    return sum(sizes)


@dataclass(frozen=True)
class MemoryProbe:
    """Three functions that read a device's allocator: bytes allocated now, reset the peak, the peak since the reset."""

    allocated: Callable[[], int]
    reset_peak: Callable[[], None]
    peak: Callable[[], int]


def cuda_memory(device=None) -> MemoryProbe:
    """The probe of a CUDA device (``torch.cuda.memory_allocated``, ``reset_peak_memory_stats``, ``max_memory_allocated``)."""
    return MemoryProbe(lambda: torch.cuda.memory_allocated(device), lambda: torch.cuda.reset_peak_memory_stats(device),
                       lambda: torch.cuda.max_memory_allocated(device))


def extra_peak(function, probe: MemoryProbe) -> int:
    """Bytes ``function()`` needs on top of what was already allocated (weights, cached models, other tensors).

        extra peak = max allocated while function() runs − allocated just before

    ``max_memory_allocated()`` alone counts everything already there as well.
    """
    before = probe.allocated()
    probe.reset_peak()
    function()
    return max(0, int(probe.peak()) - int(before))
