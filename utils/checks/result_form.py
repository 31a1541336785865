"""The form of a student's result, checked before its values: a map of the right shape, finite and not all
zeros; one real number; a CAM-style heatmap whose values span [0, 1] (min-max normalised: (m − min m) /
(max m − min m)).

Lenient on form, as the graders are: a NumPy array or a tensor, with or without the leading batch dimension
of 1, any float dtype (:func:`utils.properties.as_float_tensor`). The values are checked by the visible
checks of each stage and, when the notebook is graded, by the hidden tests.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from utils.properties import as_float_tensor


def shaped_like(value, like: torch.Tensor, name: str = "your function") -> torch.Tensor:
    """A student's result as a tensor of ``like``'s shape, dtype and device (for figures and further use).

    Accepts what :func:`as_float_tensor` accepts (NumPy or torch, with or without
    the leading batch dimension of 1); anything else is an ``AssertionError`` that
    says what was returned.
    """
    return as_float_tensor(value, like.shape, name).to(dtype=like.dtype, device=like.device)


def check_attribution(value, expected_shape, name: str = "your function") -> torch.Tensor:
    """Form and sanity of a map: right shape, finite, not all zeros. Returns it as float64."""
    tensor = as_float_tensor(value, expected_shape, name)
    if not torch.isfinite(tensor).all():
        raise AssertionError(f"{name} returned NaN or infinite values; check for a division by zero.")
    if not tensor.abs().sum() > 0:
        raise AssertionError(f"{name} returned all zeros; gradients are probably not reaching the input "
                             "(did you detach it before the forward pass?).")
    return tensor


def check_scalar(value, name: str = "your function") -> float:
    """A single real number (a Python float, a 0-d or 1-element array or tensor)."""
    if isinstance(value, (torch.Tensor, np.ndarray)):
        if value.size == 1 if isinstance(value, np.ndarray) else value.numel() == 1:
            value = value.item()
        else:
            raise AssertionError(f"{name} returned an array of shape {tuple(value.shape)}; return one number.")
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise AssertionError(f"{name} returned {type(value).__name__}; return a float.")
    value = float(value)
    if not math.isfinite(value):
        raise AssertionError(f"{name} returned {value}; expected a finite number.")
    return value


def check_heatmap(value, expected_shape, name: str = "your function") -> torch.Tensor:
    """A CAM-style map: right shape, finite, values in [0, 1] with min 0 and max 1 (or all 0)."""
    tensor = as_float_tensor(value, expected_shape, name)
    if not torch.isfinite(tensor).all():
        raise AssertionError(f"{name} returned NaN or infinite values; guard the division by the maximum.")
    low, high = tensor.min().item(), tensor.max().item()
    if low < -1e-6 or high > 1 + 1e-6:
        raise AssertionError(f"{name} returned values in [{low:.3g}, {high:.3g}]; apply ReLU and min-max "
                             "normalise to [0, 1].")
    if high > 0 and (abs(low) > 1e-6 or abs(high - 1) > 1e-5):
        raise AssertionError(f"{name}: the map spans [{low:.3g}, {high:.3g}]; after min-max normalisation "
                             "its minimum is 0 and its maximum 1.")
    return tensor
