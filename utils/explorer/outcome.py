"""Calling a notebook's function so that failure is a message, never a dead widget."""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import Any


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
    name = getattr(function, "__name__", "this method")
    try:
        return Outcome(function(*args, **kwargs))
    except NotImplementedError as error:
        exercises = exercises or {}
        frames = [frame.name for frame in traceback.extract_tb(error.__traceback__)]
        stub = next((f for f in reversed(frames) if f in exercises), name)
        where = f" in {exercises[stub]}" if stub in exercises else ""
        return Outcome(message=f"{stub} is not implemented yet: finish the exercise `{stub}`{where} and "
                               "run its cell again.", kind="not_done")
    except Exception as error:  # noqa: BLE001 (anything a student's code raises is shown, not thrown)
        frames = traceback.extract_tb(error.__traceback__)
        culprit = next((f.name for f in reversed(frames) if f.name in (exercises or {})), name)
        last = frames[-1]
        return Outcome(message=f"{culprit} raised {type(error).__name__}: {error} (line {last.lineno} of "
                               f"{last.name})", kind="error")
