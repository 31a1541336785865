"""What a student reads when a call of their function gives no value: the one wording for the checks, the recorder
and the explorer."""

from __future__ import annotations

import traceback

#: The longest error text a message repeats (a student's error may print a whole tensor).
MAX_ERROR_TEXT = 600


def not_implemented_message(name: str, stage: str | None = None) -> str:
    """``name`` still raises ``NotImplementedError``; ``stage``, where known, is the notebook of its exercise."""
    if stage is None:
        return f"{name} is not implemented yet: replace `raise NotImplementedError()` with your code."
    return f"{name} is not implemented yet: finish the exercise `{name}` in {stage} and run its cell again."


def raised_message(name: str, error: BaseException) -> str:
    """``name`` raised ``error``: its type and text (cut at MAX_ERROR_TEXT characters)."""
    return f"{name} raised {f'{type(error).__name__}: {error}'[:MAX_ERROR_TEXT]}"


def raised_where(error: BaseException) -> str:
    """The line that raised ``error`` ("line 12 of compute_cam"), or "" without a traceback."""
    frames = traceback.extract_tb(error.__traceback__)
    return f"line {frames[-1].lineno} of {frames[-1].name}" if frames else ""


def innermost(error: BaseException, names, default: str) -> str:
    """The innermost function in ``error``'s traceback whose name is in ``names`` (else ``default``):
    which exercise a stub or an error came from when one exercise calls another."""
    frames = [frame.name for frame in traceback.extract_tb(error.__traceback__)]
    return next((frame for frame in reversed(frames) if frame in names), default)
