"""Compare a submission's value with the reference, leniently on form, strictly on values."""

from __future__ import annotations

import torch

from utils.checks import as_float_tensor

from ._integrity import relative_error


def assert_matches(student_value, expected, *, rtol: float, name: str, case: str) -> torch.Tensor:
    """‖student − expected‖₂ ≤ rtol · ‖expected‖₂, after lenient conversion of the student's value.

    ``case`` says in words what was being computed (it is shown to the student,
    so it describes the situation without giving the expected numbers).
    """
    expected = torch.as_tensor(expected).detach().cpu().to(torch.float64)
    actual = as_float_tensor(student_value, tuple(expected.shape), name)
    error = relative_error(actual, expected)
    if not error <= rtol:
        raise AssertionError(f"{name} {case}: the result differs from the expected one by {error:.2%} "
                             f"(relative L2 error; at most {rtol:.2%} is accepted).")
    return actual


def assert_equal_number(student_value, expected, *, name: str, case: str) -> None:
    """Exact equality for integers (FLOP counts) and plain numbers."""
    if isinstance(student_value, bool) or student_value != expected:
        raise AssertionError(f"{name} {case}: returned {student_value!r}, which is not the expected value.")
