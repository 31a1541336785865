"""Notice a notebook that replaced comparison functions or builtins."""

from __future__ import annotations

import builtins
import importlib
import types

import torch

from utils import checks


def _looks_original(dotted: str, obj) -> bool:
    """For when no record was taken before student code ran: where the object comes from."""
    package = dotted.split(".")[0]
    if package == "builtins":
        if isinstance(obj, type):  # float, int, range, type
            return obj.__module__ == "builtins"
        return isinstance(obj, types.BuiltinFunctionType) and getattr(obj, "__self__", None) is builtins
    module = getattr(obj, "__module__", None) or ""
    code = getattr(obj, "__code__", None)
    if code is not None:
        root = importlib.import_module(package).__file__.rsplit("/", 1)[0]
        return code.co_filename.startswith(root) and module.startswith(package)
    return module.startswith(package) or isinstance(obj, types.BuiltinFunctionType)


def replaced_functions() -> list[str]:
    """Names of the comparison functions and builtins that are not the originals."""
    replaced = checks.replaced_functions()
    return replaced + [name for name, original in checks._PRISTINE.items()
                       if name not in replaced and not _looks_original(name, original)]


def relative_error(actual: torch.Tensor, expected: torch.Tensor) -> float:
    """‖actual − expected‖₂ / ‖expected‖₂ (both float64 CPU tensors of one shape)."""
    scale = torch.linalg.vector_norm(expected)
    difference = torch.linalg.vector_norm(actual - expected)
    if scale == 0:
        return 0.0 if difference == 0 else float("inf")
    return (difference / scale).item()


def comparisons_work() -> bool:
    """A canary: the grader's own arithmetic tells equal from different."""
    a = torch.arange(1.0, 7.0, dtype=torch.float64)
    return relative_error(a, a) == 0.0 and 0.99 < relative_error(2 * a, a) < 1.01


def assert_untampered() -> None:
    replaced = replaced_functions()
    if replaced:
        raise AssertionError(
            f"this notebook replaced {', '.join(replaced)}; grading needs the original functions. "
            "Remove the code that reassigns them and restart the kernel.")
    if not comparisons_work():
        raise AssertionError("tensor arithmetic was altered in this notebook (a known difference compared "
                             "as equal); restart the kernel and run the notebook without that change.")
