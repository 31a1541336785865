"""Checks on the arguments every reference method receives.

Each check raises a ``TypeError`` or ``ValueError`` whose message says what was
wrong and how to fix it, before any work is done.
"""

from __future__ import annotations

import numbers
from typing import Sequence, Union

import torch
from torch import nn

Target = Union[int, Sequence[int], torch.Tensor]


def check_model(model) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(
            f"model must be a torch.nn.Module, got {type(model).__name__}. "
            "Pass the network itself (e.g. load_imagenet_model()), not its output."
        )


def check_batch(x) -> None:
    """``x`` must be a floating tensor of shape (N, C, H, W) with N >= 1."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(
            f"x must be a torch.Tensor of shape (N, C, H, W), got {type(x).__name__}. "
            "Convert it with torch.as_tensor(x, dtype=torch.float32)."
        )
    if x.dim() != 4:
        hint = " Add the batch dimension with x.unsqueeze(0)." if x.dim() == 3 else ""
        raise ValueError(
            f"x must be a batch of shape (N, C, H, W), got shape {tuple(x.shape)}.{hint}"
        )
    if x.shape[0] == 0:
        raise ValueError("x is an empty batch (N = 0); pass at least one image.")
    if not x.is_floating_point():
        raise TypeError(
            f"x must hold floating-point values, got dtype {x.dtype}. Use x.float()."
        )


def resolve_targets(target: Target, n: int, device=None) -> torch.Tensor:
    """Turn ``target`` (an int, or one int per example) into a LongTensor of shape (n,).

    The range is checked later by :func:`check_target_range`, once the number of
    classes is known from the model's output.
    """
    if isinstance(target, torch.Tensor):
        if target.is_floating_point() or target.dtype == torch.bool:
            raise TypeError(f"target must hold integer class indices, got dtype {target.dtype}.")
        values = target.reshape(-1).tolist()
        if target.dim() == 0:
            values = values * n
    elif isinstance(target, bool):
        raise TypeError("target must be a class index (int), got a bool.")
    elif isinstance(target, numbers.Integral):
        values = [int(target)] * n
    elif isinstance(target, (list, tuple)) or hasattr(target, "__len__"):
        values = list(target)
        for value in values:
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise TypeError(
                    f"target must be an int or a sequence of ints, found {value!r} "
                    f"({type(value).__name__}) in it."
                )
        values = [int(v) for v in values]
    else:
        raise TypeError(
            f"target must be an int or a sequence of N ints, got {type(target).__name__}."
        )
    if len(values) != n:
        raise ValueError(
            f"target has {len(values)} class indices but x holds {n} examples; "
            f"pass one int for all of them or exactly {n} ints."
        )
    return torch.tensor(values, dtype=torch.long, device=device)


def check_target_range(targets: torch.Tensor, num_classes: int) -> None:
    """Every class index in 0..num_classes-1 (one vectorised test: it runs on every batch of a path)."""
    outside = (targets < 0) | (targets >= num_classes)
    if outside.any():
        raise ValueError(
            f"target class {int(targets[outside][0])} is out of range: the model has {num_classes} classes, "
            f"so a target must lie in 0..{num_classes - 1}."
        )


def check_steps(steps) -> None:
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral):
        raise TypeError(f"steps must be an int, got {type(steps).__name__}.")
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}. Typical values are 20 to 300.")


def check_positive_int(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}.")


def match_baseline(baseline, x: torch.Tensor) -> torch.Tensor:
    """Return ``baseline`` as a tensor of x's shape, dtype and device.

    Accepted shapes: x's own, (C, H, W) or (1, C, H, W) (the same baseline for
    every example).
    """
    if baseline is None:
        return torch.zeros_like(x)
    if not isinstance(baseline, torch.Tensor):
        raise TypeError(
            f"baseline must be a torch.Tensor (or None for zeros), got {type(baseline).__name__}. "
            "Build one with make_baseline(x, kind)."
        )
    single = x.shape[1:]
    if baseline.shape == x.shape:
        out = baseline
    elif baseline.shape == single or baseline.shape == (1, *single):
        out = baseline.reshape(1, *single).expand_as(x)
    else:
        raise ValueError(
            f"baseline has shape {tuple(baseline.shape)} but x has shape {tuple(x.shape)}; "
            f"pass a baseline of shape {tuple(x.shape)}, {tuple(single)} or {(1, *single)}."
        )
    return out.detach().to(device=x.device, dtype=x.dtype)


def check_call(model, x, target) -> torch.Tensor:
    """The checks every method starts with; returns the targets as a LongTensor (N,)."""
    check_model(model)
    check_batch(x)
    return resolve_targets(target, x.shape[0], device=x.device)
