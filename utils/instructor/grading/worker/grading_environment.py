"""The worker's grading environment is broken: not the submission's fault."""

from __future__ import annotations


class GradingEnvironmentError(RuntimeError):
    """The grading environment is broken (not the submission): nothing may be graded until it is fixed.

    The message names the cause and the fix. A notebook that meets it is "could not be
    graded", never 0.
    """
