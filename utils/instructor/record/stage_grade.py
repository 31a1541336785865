"""What the course knows about one student's stage: the state, the points, the notes; and, made from these for
people only (the grade table's status column, the report page, Moodle's comment), the status in words.

Nothing reads the words back: every decision (is the total final, is it graded, was it handed in) reads
``state``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .state import State

#: The start of each state's words (the notes follow for a graded stage).
WORDS = {
    State.GRADED: "graded",
    State.NOT_SUBMITTED: "not submitted",
    State.SUBMITTED: "submitted, not autograded yet (run make autograde)",
    State.PENDING_MANUAL: "pending manual grading",
    State.COULD_NOT_GRADE: "could not be graded",
    State.TIMED_OUT: "timed out",
    State.UNREADABLE: "not submitted, but a file that could not be read was handed in",
}


def points(value: float) -> str:
    return f"{value:g} point" + ("" if value == 1 else "s")


@dataclass(frozen=True)
class StageGrade:
    """One student's result for one stage.

    ``score``: the points that count (after the late penalty), of ``max_score``; ``pending_points``: written answers no one has
    graded by hand yet (PENDING_MANUAL); the notes on how it was graded: ``sandbox`` (False: graded without
    the sandbox), ``timed_out_cells`` (0 points each), ``kernel_deaths``, ``review_points`` (graded by hand
    before the latest autograde; formgrader marks them for review); ``changed_since``: handed in again after
    grading (SUBMITTED); ``reason``: why it could not be graded (COULD_NOT_GRADE, TIMED_OUT);
    ``unreadable``: (file, reason) of each hand-in collect could not read (UNREADABLE); lateness:
    ``late_seconds`` after the student's deadline, ``late_penalty`` points off, ``past_last_accepted``, and
    ``late_note``, the grade table's words on it (``results/grades.py``).
    """

    score: float
    state: State
    pending_points: float = 0.0
    timestamp: datetime | None = None
    #: How long after the student's deadline it was handed in (0: on time, or no due date).
    late_seconds: float = 0.0
    #: Points the late policy took off (``score`` is what is left).
    late_penalty: float = 0.0
    #: Handed in after the last accepted moment: kept and graded, counts 0, flagged.
    past_last_accepted: bool = False
    sandbox: bool = True
    timed_out_cells: tuple[int, ...] = ()
    kernel_deaths: int = 0
    review_points: float = 0.0
    changed_since: bool = False
    reason: str = ""
    unreadable: tuple[tuple[str, str], ...] = ()
    late_note: str = ""
    #: The stage's points (0: not known where the grade was made without the gradebook).
    max_score: float = 0.0

    @property
    def final(self) -> bool:
        return self.state.final

    @property
    def days_late(self) -> float:
        return round(self.late_seconds / 86400, 2)

    @property
    def score_before_penalty(self) -> float:
        return round(self.score + self.late_penalty, 2)

    @property
    def needs_a_look(self) -> bool:
        """Something a person should see beyond points to grade by hand and lateness: a failure, a hand-in not
        graded yet, or a note on how it was graded."""
        return (self.state in (State.SUBMITTED, State.COULD_NOT_GRADE, State.TIMED_OUT, State.UNREADABLE)
                or not self.sandbox or bool(self.timed_out_cells) or bool(self.kernel_deaths)
                or bool(self.review_points) or self.past_last_accepted)

    @property
    def status(self) -> str:
        """In words, for people: the state, then ``; ``-joined notes (``results/grades.py`` lists them)."""
        text = self._state_words()
        if self.late_note:
            return self.late_note if text == WORDS[State.GRADED] else f"{text}; {self.late_note}"
        return text

    def _state_words(self) -> str:
        if self.state in (State.COULD_NOT_GRADE, State.TIMED_OUT):
            return f"{WORDS[self.state]}: {self.reason or 'see the autograde log'}"
        if self.state is State.UNREADABLE:
            return f"{WORDS[self.state]}: " + "; ".join(f"{file} ({why})" for file, why in self.unreadable)
        if self.state is State.SUBMITTED:
            return WORDS[self.state] + (" (handed in again after grading)" if self.changed_since else "")
        if self.state is State.NOT_SUBMITTED:
            return WORDS[self.state]
        notes = []
        if self.state is State.PENDING_MANUAL:
            notes.append(f"{WORDS[self.state]}: {points(self.pending_points)} of written answers not graded by "
                         "hand yet")
        if not self.sandbox:
            notes.append("graded WITHOUT sandbox")
        if self.timed_out_cells:
            notes.append(f"cells {list(self.timed_out_cells)} ran out of time (0 points)")
        if self.kernel_deaths:
            notes.append(f"the kernel died {self.kernel_deaths} time(s)")
        if self.review_points:
            notes.append(f"{points(self.review_points)} graded by hand before the latest autograde "
                         "(formgrader marks them for review)")
        return "; ".join(notes) or WORDS[State.GRADED]
