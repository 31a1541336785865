"""Where one student's stage stands: the one enum every phase decides by (the grade table, the LMS exports,
the class report), never by the words shown to people."""

from __future__ import annotations

from enum import Enum


class State(Enum):
    """One student's stage. The value is the state's name in ``grading_status.json``, not words for people
    (``stage_grade.py`` makes those)."""

    NOT_SUBMITTED = "not_submitted"
    UNREADABLE = "unreadable"            # only files that could not be read were handed in (stage unknown)
    SUBMITTED = "submitted"              # handed in, not autograded yet (or handed in again after grading)
    GRADED = "graded"                    # every point decided
    PENDING_MANUAL = "pending_manual"    # autograded; written answers still to grade by hand
    COULD_NOT_GRADE = "could_not_grade"  # the autograder failed (not the student's code): needs a look
    TIMED_OUT = "timed_out"              # the whole notebook was stopped

    @property
    def final(self) -> bool:
        """The points will not change without someone acting: a not-submitted stage is a final 0."""
        return self in (State.NOT_SUBMITTED, State.UNREADABLE, State.GRADED)

    @property
    def graded(self) -> bool:
        """The gradebook holds this stage's autograded points (maybe with hand-graded ones still to come)."""
        return self in (State.GRADED, State.PENDING_MANUAL)
