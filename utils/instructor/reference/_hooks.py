"""Read a layer's output during a forward pass, with a hook that always comes off."""

from __future__ import annotations

import contextlib

import torch
from torch import nn


@contextlib.contextmanager
def capture_output(layer: nn.Module):
    """Yield a list that receives ``layer``'s output at each call of its forward.

    The hook is removed on exit, also when the body raises.
    """
    outputs: list = []

    def hook(_module, _inputs, output):
        outputs.append(output)

    handle = layer.register_forward_hook(hook)
    try:
        yield outputs
    finally:
        handle.remove()


def single_output(outputs: list, layer: nn.Module) -> torch.Tensor:
    """The one feature map (N, K, H', W') a layer produced in one forward pass."""
    name = layer.__class__.__name__
    if len(outputs) != 1:
        raise ValueError(
            f"the layer {name} ran {len(outputs)} times in one forward pass; pick a layer "
            "that runs exactly once (a module reused at several depths is ambiguous)."
        )
    out = outputs[0]
    if not isinstance(out, torch.Tensor) or out.dim() != 4:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(
            f"the layer {name} outputs {shape}, not a feature map (N, K, H', W'); "
            "pick a convolutional layer or its activation."
        )
    return out
