"""Calling a student's function for a visible check: an untouched stub, a hook left on a model, or a
comparison function the notebook replaced each give a clear message, not a traceback or a wrong verdict.

Importing this module records the comparison functions and builtins as they are before any student code
runs (the notebooks import ``utils.checks`` in their first, read-only cell); :func:`run_exercise` uses that
record to notice if any were replaced. :func:`copy_eval` and :func:`copy_state` let a check see what a call
did to a model (its batch-norm statistics, its weights).
"""

from __future__ import annotations

import builtins
import importlib

import numpy as np
import torch
from torch import nn

from utils.calling import Watch, call


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


def _resolve(dotted: str):
    module_name, _, attribute = dotted.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def replaced_functions() -> list[str]:
    """Comparison functions and builtins that are no longer the ones recorded at import."""
    return [name for name, original in _PRISTINE.items() if _resolve(name) is not original]


def run_exercise(function, *args, **kwargs):
    """Call a student's function (:func:`utils.calling.call`); its value, or an exception a student can act on.

    An untouched stub raises ExerciseNotDone with a clear message instead of a traceback; any other
    exception is raised again as it was. Also fails, with a message, when the call left a hook on a
    model it was given or when the notebook replaced a comparison function the checks rely on.
    """
    name = getattr(function, "__name__", "your function")
    models = tuple(a for a in (*args, *kwargs.values()) if isinstance(a, nn.Module))
    outcome = call(function, args, kwargs, name=name, watch=Watch(hooks_on=models))
    if outcome.not_done:
        raise ExerciseNotDone(outcome.message) from None
    if outcome.error is not None:
        raise outcome.error
    if outcome.problem("hook_left"):
        raise AssertionError(f"{name} left a hook on the model; remove every hook you register "
                             "(handle.remove()), ideally in a `finally:` block.")
    replaced = replaced_functions()
    if replaced:
        raise AssertionError(f"this notebook replaced {', '.join(replaced)}; the checks need the originals. "
                             "Remove the code that reassigns them and restart the kernel.")
    return outcome.value


# --- what a call did to a model -------------------------------------------------------------------

def copy_eval(model: nn.Module) -> nn.Module:
    """A deep copy of ``model`` in eval mode."""
    import copy

    return copy.deepcopy(model).eval()


def copy_state(model: nn.Module) -> dict:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}
