"""Calling a notebook's function so that failure is a message, never a dead widget."""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import Any

from utils.calling import attempt as call, innermost


@dataclass(frozen=True)
class Outcome:
    value: Any = None
    message: str = ""        # why there is no value (shown in the widget)
    kind: str = "ok"         # "ok", "not_done" (a stub), "error" (it raised)

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


def attempt(function, *args, exercises: dict | None = None, **kwargs) -> Outcome:
    """``function(*args, **kwargs)`` as an Outcome.

    A stub (NotImplementedError) names the exercise to finish: the innermost
    function in the traceback whose name is a key of ``exercises`` (name -> stage).
    """
    name, exercises = getattr(function, "__name__", "this method"), exercises or {}
    result = call(function, *args, **kwargs)  # anything a student's code raises is shown, not thrown
    if result.error is None:
        return Outcome(result.value)
    culprit = innermost(result.error, exercises, name)
    if result.not_done:
        where = f" in {exercises[culprit]}" if culprit in exercises else ""
        return Outcome(message=f"{culprit} is not implemented yet: finish the exercise `{culprit}`{where} and "
                               "run its cell again.", kind="not_done")
    last = traceback.extract_tb(result.error.__traceback__)[-1]
    return Outcome(message=f"{culprit} raised {type(result.error).__name__}: {result.error} (line {last.lineno} of "
                           f"{last.name})", kind="error")
