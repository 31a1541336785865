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

import numpy as np
import torch

from utils.calling import not_implemented_message

from ._call import Outcome, call_watched
from ._cases import Case, HiddenTest, hidden_test
from ._format import as_output, encode

MAX_MESSAGE = 600


def _describe_error(name: str, error: BaseException) -> dict:
    if isinstance(error, NotImplementedError):
        return {"kind": "stub", "message": not_implemented_message(name)}
    text = f"{type(error).__name__}: {error}"
    return {"kind": "error", "message": f"{name} raised {text[:MAX_MESSAGE]}",
            "value_error": isinstance(error, ValueError)}


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


def _describe_value(name: str, value, key: str, arrays: dict) -> dict:
    """The returned value as plain numbers in ``arrays[key]``, and its kind for the judge."""
    try:
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
    except Exception as error:  # noqa: BLE001 (odd objects: say what they were, decide nothing)
        return {"kind": "badtype", "type": f"{type(value).__name__} ({str(error)[:200]})"}


def _run_case(test: HiddenTest, function, case: Case, index: int, arrays: dict) -> dict:
    name = test.function
    if case.model is not None:
        case.model.train(case.train_mode)
    outcome: Outcome = call_watched(function, case.args, case.kwargs, case.model, captum=test.captum, name=name)
    value = outcome.value
    if outcome.error is None and test.summary is not None:
        try:
            value = test.summary(case, value)
        except Exception as error:  # noqa: BLE001 (an answer of the wrong kind: say so)
            outcome.error = TypeError(f"its result could not be checked ({type(error).__name__}: {error})")
    if outcome.error is not None:
        description = _describe_error(name, outcome.error)
    else:
        description = _describe_value(name, value, f"c{index}", arrays)
    description["problems"] = outcome.problems
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
