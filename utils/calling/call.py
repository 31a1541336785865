"""The one way to call a student's function: anything it raises becomes an :class:`Outcome`, never a crash."""

from __future__ import annotations

from dataclasses import replace

from .messages import innermost, not_implemented_message, raised_message, raised_where
from .outcome import ERROR, NOT_DONE, Outcome
from .watch import Watch

NOTHING_WATCHED = Watch()


def call(function, args: tuple = (), kwargs: dict | None = None, *, name: str | None = None,
         exercises: dict[str, str] | None = None, watch: Watch = NOTHING_WATCHED) -> Outcome:
    """``function(*args, **kwargs)`` as an Outcome, with any exception caught (a student's code may raise anything).

    ``name``: the exercise's function name for the messages (default: ``function.__name__``; a
    student's may differ). ``exercises`` (function name → the stage that asks for it): a stub or an
    error is blamed on the innermost of them in the traceback, and a stub's message names its
    stage. ``watch``: what else to note (:class:`~utils.calling.watch.Watch`). The arguments are
    passed as a tuple and a dict so that no keyword of this function can shadow one of the student's.

    ``BaseException``s that are not ``Exception`` (KeyboardInterrupt, SystemExit) pass through:
    an interrupted cell must stop.
    """
    name = name or getattr(function, "__name__", "your function")
    watching = watch.begin(tuple(args), dict(kwargs or {}))
    try:
        value = watching.run(function)
    except Exception as error:  # noqa: BLE001 (the one place that catches what a student's code raises)
        problems, used_captum = watching.end(name, returned=False)
        return replace(outcome_of_error(error, name, exercises), problems=problems, used_captum=used_captum)
    problems, used_captum = watching.end(name, returned=True)
    return Outcome(value=value, culprit=name, problems=problems, used_captum=used_captum)


def outcome_of_error(error: Exception, name: str, exercises: dict[str, str] | None = None) -> Outcome:
    """The Outcome of a call of ``name`` that raised ``error`` (see :func:`call` for ``exercises``)."""
    exercises = exercises or {}
    culprit = innermost(error, exercises, name)
    if isinstance(error, NotImplementedError):
        return Outcome(kind=NOT_DONE, message=not_implemented_message(culprit, exercises.get(culprit)), error=error,
                       culprit=culprit)
    return Outcome(kind=ERROR, message=raised_message(culprit, error), error=error, culprit=culprit,
                   line=raised_where(error))
