"""Checks for the visible tests of the notebooks: shape, type and sanity, with
messages that tell a student what is wrong and how to fix it.

Graders are lenient on form: a NumPy array or a tensor, with or without the
leading batch dimension of 1, any float dtype. They are strict on values; the
values are checked by the hidden tests when the notebook is graded.

Importing this module also records the comparison functions and builtins as
they are before any student code runs (the notebooks import it in their first,
read-only cell); the graders use that record to notice if any were replaced.
"""

from __future__ import annotations

import builtins
import importlib
import math

import numpy as np
import torch

_PRISTINE = {
    "numpy.allclose": np.allclose,
    "numpy.isclose": np.isclose,
    "numpy.array_equal": np.array_equal,
    "numpy.testing.assert_allclose": np.testing.assert_allclose,
    "numpy.testing.assert_array_almost_equal": np.testing.assert_array_almost_equal,
    "numpy.testing.assert_almost_equal": np.testing.assert_almost_equal,
    "numpy.testing.assert_array_equal": np.testing.assert_array_equal,
    "numpy.testing.assert_equal": np.testing.assert_equal,
    "torch.allclose": torch.allclose,
    "torch.isclose": torch.isclose,
    "torch.equal": torch.equal,
    "torch.testing.assert_close": torch.testing.assert_close,
    **{f"builtins.{name}": getattr(builtins, name)
       for name in ("abs", "all", "any", "float", "int", "isinstance", "len", "max", "min", "round",
                    "sum", "print", "range", "type", "getattr", "hasattr", "__import__")},
}


class ExerciseNotDone(AssertionError):
    """The function still raises NotImplementedError."""


def _describe(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + (",)" if len(shape) == 1 else ")")


def as_float_tensor(value, expected_shape, name: str = "your function") -> torch.Tensor:
    """``value`` as a float64 CPU tensor of ``expected_shape``.

    Accepts a NumPy array or a tensor (detached or not, on any device), of
    ``expected_shape`` or, when that starts with 1, without that leading batch
    dimension. Anything else raises an ``AssertionError`` that says what was
    returned and what was expected.
    """
    expected_shape = tuple(expected_shape)
    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu()
    elif isinstance(value, np.ndarray):
        if value.dtype == object:
            raise AssertionError(f"{name} returned a NumPy array of Python objects; return numbers "
                                 "(a float array or tensor).")
        tensor = torch.from_numpy(np.ascontiguousarray(value))
    elif value is None:
        raise AssertionError(f"{name} returned None: did you forget the `return` statement?")
    else:
        raise AssertionError(f"{name} returned a {type(value).__name__}; return a torch.Tensor or a "
                             "NumPy array.")
    if tensor.is_complex() or tensor.dtype == torch.bool:
        raise AssertionError(f"{name} returned values of dtype {tensor.dtype}; return real numbers.")
    accepted = [expected_shape]
    if len(expected_shape) > 1 and expected_shape[0] == 1:
        accepted.append(expected_shape[1:])
    if tuple(tensor.shape) not in accepted:
        options = " or ".join(_describe(s) for s in accepted)
        raise AssertionError(f"{name} returned shape {_describe(tuple(tensor.shape))}; expected {options}.")
    return tensor.reshape(expected_shape).to(torch.float64)


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


def _resolve(dotted: str):
    module_name, _, attribute = dotted.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def replaced_functions() -> list[str]:
    """Comparison functions and builtins that are no longer the ones recorded at import."""
    return [name for name, original in _PRISTINE.items() if _resolve(name) is not original]


def hook_count(model: torch.nn.Module) -> int:
    """Forward, forward-pre, backward and backward-pre hooks on every module of ``model``."""
    names = ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks")
    return sum(len(getattr(m, n, {})) for m in model.modules() for n in names)


def run_exercise(function, *args, **kwargs):
    """Call a student's function; an untouched stub gives a clear message instead of a traceback.

    Also fails, with a message, when the call left a hook on a model it was given
    or when the notebook replaced a comparison function the checks rely on.
    """
    name = getattr(function, "__name__", "your function")
    models = [a for a in (*args, *kwargs.values()) if isinstance(a, torch.nn.Module)]
    hooks = [hook_count(m) for m in models]
    try:
        result = function(*args, **kwargs)
    except NotImplementedError:
        raise ExerciseNotDone(f"{name} is not implemented yet: replace "
                              "`raise NotImplementedError()` with your code.") from None
    if [hook_count(m) for m in models] != hooks:
        raise AssertionError(f"{name} left a hook on the model; remove every hook you register "
                             "(handle.remove()), ideally in a `finally:` block.")
    replaced = replaced_functions()
    if replaced:
        raise AssertionError(f"this notebook replaced {', '.join(replaced)}; the checks need the originals. "
                             "Remove the code that reassigns them and restart the kernel.")
    return result
