"""What calling a student's function gave: the one result type of the visible checks, the recorder and the explorer.

An :class:`Outcome` is either a returned value (``kind == "ok"``) or the reason there is
none (``"not_done"``: the exercise is still a stub; ``"error"``: it raised), with the
sentence a student reads, and the problems a watched call noticed (a hook left on the
model, ...), which the recorder writes down for the judge and the visible checks raise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: What an Outcome can be: a value, a stub, an error.
OK, NOT_DONE, ERROR = "ok", "not_done", "error"
KINDS = (OK, NOT_DONE, ERROR)

#: What a watched call can notice, one kind each (the judge maps a kind to an outcome or a classic mistake).
PROBLEM_KINDS = ("forbidden_call", "captum_not_used", "hook_left", "model_changed", "input_modified")


@dataclass(frozen=True)
class Problem:
    """Something a call did that an explanation must not do; ``message`` is what the student reads."""

    kind: str
    message: str

    def __post_init__(self):
        if self.kind not in PROBLEM_KINDS:
            raise ValueError(f"unknown problem kind {self.kind!r}; use one of {PROBLEM_KINDS}.")

    def as_record(self) -> dict:
        """The problem as the recorder writes it (``{"kind", "message"}``, read by the judge)."""
        return {"kind": self.kind, "message": self.message}


@dataclass(frozen=True)
class Outcome:
    """What one call of a student's function gave.

    ``value``: what it returned (None unless ``kind == "ok"``). ``message``: why there is no
    value, in the student's words ("" when there is one). ``error``: the exception it raised, if
    any (the visible checks raise it again; the recorder tells a ValueError apart). ``culprit``:
    the exercise to blame (the innermost exercise in the traceback, else the function called).
    ``line``: where it raised ("line 12 of compute_cam"), for a reader at the notebook.
    ``problems``: what the watch noticed, in the order noticed. ``used_captum``: whether the
    call reached Captum (only known when libraries were watched).
    """

    value: Any = None
    kind: str = OK
    message: str = ""
    error: Exception | None = None
    culprit: str = ""
    line: str = ""
    problems: tuple[Problem, ...] = ()
    used_captum: bool = False

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown outcome kind {self.kind!r}; use one of {KINDS}.")

    @property
    def ok(self) -> bool:
        """The call returned a value (problems aside)."""
        return self.kind == OK

    @property
    def not_done(self) -> bool:
        """The function (or an exercise it called) is still a stub."""
        return self.kind == NOT_DONE

    @property
    def message_with_line(self) -> str:
        """``message``, followed by where it raised when that is known."""
        return f"{self.message} ({self.line})" if self.line else self.message

    def problem(self, kind: str) -> Problem | None:
        """The first problem of ``kind`` the watch noticed, or None."""
        if kind not in PROBLEM_KINDS:
            raise ValueError(f"unknown problem kind {kind!r}; use one of {PROBLEM_KINDS}.")
        return next((p for p in self.problems if p.kind == kind), None)
