"""The course's late policy: nbgrader's late-submission plugin, configured once in ``nbgrader_config.py``.

nbgrader's ``AssignLatePenalties`` preprocessor (a step of every autograde; the recording of a graded
notebook in ``gradebook/record_graded.py`` does the same through ``late_penalties.reassess``) asks this plugin for each late notebook's penalty, in points, and
stores it in the gradebook (``SubmittedNotebook.late_submission_penalty``); the points that count are the
notebook's score minus the penalty. With ``late`` the time after the student's deadline (nbgrader's
``total_seconds_late``: the hand-in's time from ``timestamp.txt`` minus the stage's due date from
``schedule.csv`` plus the student's extension, if any) and ``score`` the notebook's points::

    days     = ⌈late / 24 h⌉                                   (every started day counts whole)
    penalty  = score · min(max_share, share_per_day · days)    if 0 < late ≤ accepted_days_late · 24 h
    penalty  = score                                           if late > accepted_days_late · 24 h

With the course's settings (0.1, 0.5, 7): one minute late costs 10 % of the score, 24 h 1 min 20 %,
five days or more 50 %. The **last accepted moment** is the deadline plus ``accepted_days_late`` days;
a hand-in after it is kept and graded like any other (its graded notebook, its points before the penalty,
its feedback), counts 0 points, and the grade table, the LMS exports and the class report flag it for the
instructor, who can count it by granting an extension (``make extension``: the penalty is worked out again
at once). ``accepted_days_late = None`` accepts every hand-in, however late, at the capped penalty.

The penalty is a share of the score, so it follows grades typed in formgrader: the grade table works it
out again from the current score (``gradebook/late_penalties.py``) before it reads the gradebook.
"""

from __future__ import annotations

import datetime as dt
import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float, TraitError, validate

DAY = 24 * 3600.0


class CourseLatePolicy(LateSubmissionPlugin):
    """A share of the notebook's score per started day late, capped; the whole score after the last accepted
    moment (see the module's docstring for the formula)."""

    share_per_day = Float(0.1, help="share of the notebook's score taken off per started day late (0-1)"
                          ).tag(config=True)
    max_share = Float(0.5, help="the most a hand-in up to the last accepted moment loses, as a share of its "
                                "score (0-1)").tag(config=True)
    accepted_days_late = Float(7.0, allow_none=True,
                               help="days after the student's deadline (due date plus extension) during which a "
                                    "hand-in is accepted with the penalty; a later one is kept, graded, counts 0 "
                                    "points and is flagged. None: no last accepted moment").tag(config=True)

    @validate("share_per_day", "max_share")
    def _a_share(self, proposal):
        value = proposal["value"]
        if not 0.0 <= value <= 1.0 or math.isnan(value):
            raise TraitError(f"CourseLatePolicy.{proposal['trait'].name} is {value}: a share of the score lies "
                             "between 0 and 1 (0.1 = 10 %); fix it in nbgrader_config.py")
        return value

    @validate("accepted_days_late")
    def _a_number_of_days(self, proposal):
        value = proposal["value"]
        if value is not None and (not value >= 0.0 or math.isinf(value)):
            raise TraitError(f"CourseLatePolicy.accepted_days_late is {value}: give a number of days >= 0, or None "
                             "to accept every late hand-in; fix it in nbgrader_config.py")
        return value

    def past_last_accepted(self, total_seconds_late: float) -> bool:
        """Whether a hand-in ``total_seconds_late`` after the student's deadline came after the last accepted
        moment."""
        return self.accepted_days_late is not None and total_seconds_late > self.accepted_days_late * DAY

    def last_accepted(self, deadline: dt.datetime | None) -> dt.datetime | None:
        """The last moment a hand-in is accepted, for a student whose deadline is ``deadline`` (None: none)."""
        if deadline is None or self.accepted_days_late is None:
            return None
        return deadline + dt.timedelta(days=self.accepted_days_late)

    def share(self, total_seconds_late: float) -> float:
        """The share of the score taken off a hand-in ``total_seconds_late`` after the student's deadline."""
        if total_seconds_late <= 0:
            return 0.0
        if self.past_last_accepted(total_seconds_late):
            return 1.0
        return min(self.max_share, self.share_per_day * math.ceil(total_seconds_late / DAY))

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float | None:
        """nbgrader's hook: the penalty in points (None when the hand-in was not late)."""
        if total_seconds_late <= 0:
            return None
        return round(score * self.share(total_seconds_late), 6)

    def describe(self) -> str:
        """The policy in one sentence, for students and the grade table."""
        text = (f"{100 * self.share_per_day:g} % of the score per started day late, at most "
                f"{100 * self.max_share:g} %")
        if self.accepted_days_late is None:
            return text + "; late hand-ins are accepted whenever they come"
        return (text + f"; a hand-in more than {self.accepted_days_late:g} days after the deadline is kept and "
                "graded but counts 0 points")


def late_policy(config=None) -> LateSubmissionPlugin:
    """The plugin ``nbgrader_config.py`` names (``AssignLatePenalties.plugin_class``), configured as there."""
    from nbgrader.preprocessors import AssignLatePenalties

    from ..paths import course_config

    return AssignLatePenalties(config=config if config is not None else course_config()).plugin_class(
        config=config if config is not None else course_config())


def course_late_policy(config=None) -> CourseLatePolicy | None:
    """The configured plugin when it is this course's policy (which knows a last accepted moment), else None."""
    policy = late_policy(config)
    return policy if isinstance(policy, CourseLatePolicy) else None
