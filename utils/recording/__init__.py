"""Hidden tests, as they run in the grading kernel: call the student's function, record what it returned.

A hidden test cell holds one line::

    record("test_vanilla_gradients_hidden_imagenet", vanilla_gradients)

which runs the function on that test's cases (``utils.recording.stageNN``) and
leaves a record in the cell's output. Nothing here decides a score: the judge
(instructors only, outside the kernel) compares the record with the answer key
and sets the cell's points and message. This package ships to students; it holds
no expected values.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from utils.calling import Outcome, Watch, call, outcome_of_error

from ._cases import Case, HiddenTest, hidden_test
from ._format import as_output, encode


def _describe_failure(outcome: Outcome) -> dict:
    """A call that gave no value, as the record says it: a stub, or an error (a ValueError told apart)."""
    if outcome.not_done:
        return {"kind": "stub", "message": outcome.message}
    return {"kind": "error", "message": outcome.message, "value_error": isinstance(outcome.error, ValueError)}


def _to_array(value) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu()
        if tensor.is_complex() or tensor.dtype == torch.bool:
            raise TypeError(f"values of dtype {tensor.dtype}")
        return tensor.to(torch.float64).numpy().copy()
    array = np.asarray(value)
    if array.dtype.kind not in "fiu":
        raise TypeError(f"values of dtype {array.dtype}")
    return array.astype(np.float64)


def _describe_value(value, key: str, arrays: dict) -> dict:
    """The returned value as plain numbers in ``arrays[key]``, and its kind for the judge.

    An odd object (a student's class, an array-like that raises) is said for what it was, deciding nothing.
    """
    described = call(_value_kind, (value, key, arrays))
    if described.ok:
        return described.value
    return {"kind": "badtype", "type": f"{type(value).__name__} ({str(described.error)[:200]})"}


def _value_kind(value, key: str, arrays: dict) -> dict:
    if value is None:
        return {"kind": "none"}
    if isinstance(value, bool) or isinstance(value, np.bool_):
        return {"kind": "badtype", "type": "bool"}
    if isinstance(value, (int, np.integer)):
        arrays[key] = np.array(int(value), dtype=np.int64)
        return {"kind": "integer"}
    if isinstance(value, (float, np.floating)):
        arrays[key] = np.array(float(value))
        return {"kind": "number"}
    if isinstance(value, dict):
        keys = [str(k) for k in value]
        if not all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                   for v in value.values()):
            return {"kind": "badtype", "type": "dict with values that are not numbers"}
        arrays[key] = np.array([float(v) for v in value.values()])
        return {"kind": "dict", "keys": keys}
    if isinstance(value, (torch.Tensor, np.ndarray)):
        arrays[key] = _to_array(value)
        return {"kind": "array"}
    return {"kind": "badtype", "type": type(value).__name__}


def _summarised(test: HiddenTest, case: Case, outcome: Outcome) -> Outcome:
    """The outcome with its value replaced by the test's summary of it (an answer of the wrong kind: an error)."""
    if not outcome.ok or test.summary is None:
        return outcome
    summary = call(test.summary, (case, outcome.value))
    if summary.error is not None:
        error = TypeError(f"its result could not be checked ({type(summary.error).__name__}: {summary.error})")
        return replace(outcome_of_error(error, test.function), problems=outcome.problems)
    return replace(outcome, value=summary.value)


def _run_case(test: HiddenTest, function, case: Case, index: int, arrays: dict) -> dict:
    if case.model is not None:
        case.model.train(case.train_mode)
    watch = Watch(hooks_on=(case.model,) if case.model is not None else (), model=case.model, inputs=True,
                  captum=test.captum)
    outcome = _summarised(test, case, call(function, case.args, case.kwargs, name=test.function, watch=watch))
    description = _describe_value(outcome.value, f"c{index}", arrays) if outcome.ok else _describe_failure(outcome)
    description["problems"] = [problem.as_record() for problem in outcome.problems]
    for arg in (*case.args, *case.kwargs.values()):
        if hasattr(arg, "to_record"):
            description["calls"] = arg.to_record(f"c{index}", arrays)
    return description


def make_record(grade_id: str, function) -> bytes:
    """Run ``function`` on every case of test cell ``grade_id``; the record's bytes."""
    test = hidden_test(grade_id)
    arrays: dict[str, np.ndarray] = {}
    cases = [_run_case(test, function, case, i, arrays) for i, case in enumerate(test.cases())]
    return encode(grade_id, cases, arrays)


def record(grade_id: str, function) -> None:
    """The hidden test cell's one line: record ``function`` on the cases of ``grade_id`` for the judge."""
    from IPython.display import display

    display(as_output(make_record(grade_id, function), grade_id), raw=True)


__all__ = ["Case", "HiddenTest", "make_record", "record"]
