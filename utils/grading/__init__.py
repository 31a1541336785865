"""The graders behind the hidden tests (instructors only: never shipped to students).

Each stage module (``stage01`` … ``stage07``) holds the hidden checks of that
stage's exercises. Every check compares a submission with ``utils.reference``
on inputs the notebook never shows, through :func:`call_student`, which fails a
submission that calls the answer key (or Captum, outside stage 05), modifies the
model or its inputs, or leaves hooks behind.
"""

from ._compare import assert_equal_number, assert_matches
from ._guards import call_function, call_student, fresh_model, run_watched, watched_sources
from ._integrity import assert_untampered, relative_error, replaced_functions

__all__ = ["assert_equal_number", "assert_matches", "assert_untampered", "call_function", "call_student", "fresh_model",
           "relative_error", "replaced_functions", "run_watched", "watched_sources"]
