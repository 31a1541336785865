"""Calling a student's function: the one way, for the visible checks, the hidden tests' recorder and the explorer.

:func:`call` runs the function with anything it raises caught and gives one :class:`Outcome`:
the value, or why there is none (a stub, an error) in the words a student reads, and the
problems a :class:`Watch` noticed. Each caller only decides what an Outcome means to it:

- the visible checks (``utils.checks.run_exercise``) raise: a stub as ``ExerciseNotDone``, an
  error as itself, a hook left behind as an AssertionError;
- the recorder (``utils.recording``, inside the grading kernel) writes it down for the judge,
  deciding nothing;
- the explorer (``utils.explorer``) shows its message in the widget, which never dies.

One idea per file: ``outcome.py`` (the result type), ``messages.py`` (what a student reads),
``watch.py`` (what a call must not do), ``call.py`` (the call).
"""

from __future__ import annotations

from .call import call, outcome_of_error
from .messages import MAX_ERROR_TEXT, not_implemented_message, raised_message
from .outcome import ERROR, NOT_DONE, OK, PROBLEM_KINDS, Outcome, Problem
from .watch import CAPTUM_POLICIES, Watch, watched_sources

__all__ = ["call", "outcome_of_error", "Outcome", "Problem", "Watch", "OK", "NOT_DONE", "ERROR", "PROBLEM_KINDS",
           "CAPTUM_POLICIES", "MAX_ERROR_TEXT", "not_implemented_message", "raised_message", "watched_sources"]
