"""Measuring a model on this machine: wall-clock time and the activations a backward pass keeps."""

from __future__ import annotations

import time

import torch


def best_time(function, repeat: int = 2) -> float:
    """The shortest of ``repeat`` wall-clock runs of ``function()``, in seconds.

    The best run is the one least disturbed by the rest of the machine. When a
    GPU is present, its queued work is waited for before and after each run.
    """
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
