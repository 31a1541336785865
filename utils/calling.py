"""Calling a student's function: the one place that tells a finished exercise from a stub.

Three callers build on it, each adding only what it needs: the visible checks
(``utils.checks.run_exercise``: a stub is a clear failure, a hook left behind too),
the hidden tests' recorder (``utils.recording._call.call_watched``: everything is
noted for the judge, nothing raised) and the explorer (``utils.explorer.outcome``:
everything becomes a message in the widget).
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass


def not_implemented_message(name: str) -> str:
    """What a student is told when ``name`` still raises ``NotImplementedError``."""
    return f"{name} is not implemented yet: replace `raise NotImplementedError()` with your code."


@dataclass(frozen=True)
class Attempt:
    """What one call gave: its value, or the exception it raised."""

    value: object = None
    error: Exception | None = None

    @property
    def not_done(self) -> bool:
        """The function (or one it called) is still a stub."""
        return isinstance(self.error, NotImplementedError)


def attempt(function, *args, **kwargs) -> Attempt:
    """``function(*args, **kwargs)`` with any exception caught (a student's code may raise anything).

    ``BaseException``s that are not ``Exception`` (KeyboardInterrupt, SystemExit) pass through:
    an interrupted cell must stop.
    """
    try:
        return Attempt(value=function(*args, **kwargs))
    except Exception as error:  # noqa: BLE001
        return Attempt(error=error)


def innermost(error: BaseException, names, default: str) -> str:
    """The innermost function in ``error``'s traceback whose name is in ``names`` (else ``default``):
    which exercise a stub or an error came from when one exercise calls another."""
    frames = [frame.name for frame in traceback.extract_tb(error.__traceback__)]
    return next((frame for frame in reversed(frames) if frame in names), default)
