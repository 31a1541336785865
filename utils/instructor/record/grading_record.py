"""What the autograder knows about one notebook, from the worker to the writer to ``grading_status.json``.

    worker: grade_task ──GradedNotebook(record, files)──▶ writer: record_graded ──GradingRecord──▶
    gradebook/grading_status.py (JSON, version 2) ──▶ results/grades.py (StageGrade, with the gradebook's points)

``to_json``/``from_json`` are the record's only encoding; ``from_version_1`` reads an entry of the
``grading_status.json`` written before the record had a version (``{"ok": ..., "message": ..., <report>}``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .notebook_report import NotebookReport
from .state import State

#: The version of ``grading_status.json`` that ``to_json`` entries belong to.
VERSION = 2
#: The states an autograde run can leave a notebook in.
AUTOGRADE_STATES = (State.GRADED, State.COULD_NOT_GRADE, State.TIMED_OUT)


@dataclass(frozen=True)
class GradingRecord:
    """One notebook's autograde: ``state`` is GRADED, COULD_NOT_GRADE or TIMED_OUT; ``message`` says why it
    failed; ``report`` is the kernel run's (None when nothing ran to the end); ``worker`` graded it from the
    submission with hash ``submission`` by the grader with version ``grader`` (``grading/host/preparation.py``)."""

    student: str
    stage: str
    state: State
    seconds: float = 0.0
    message: str = ""
    report: NotebookReport | None = None
    worker: str = ""
    submission: str = ""
    grader: str = ""

    def __post_init__(self):
        if self.state not in AUTOGRADE_STATES:
            raise ValueError(f"an autograde ends in one of {[s.name for s in AUTOGRADE_STATES]}, not {self.state}")

    @property
    def ok(self) -> bool:
        return self.state is State.GRADED

    def failed(self, message: str) -> "GradingRecord":
        """This record, the notebook not graded after all (e.g. graded but not recorded), ``message`` saying why."""
        return replace(self, state=State.COULD_NOT_GRADE, message=message)

    def to_json(self) -> dict:
        return {"state": self.state.value, "seconds": self.seconds, "message": self.message,
                "report": self.report.as_status() if self.report else None, "worker": self.worker,
                "submission": self.submission, "grader": self.grader}

    @classmethod
    def from_json(cls, student: str, stage: str, entry: dict) -> "GradingRecord":
        report = entry.get("report")
        return cls(student, stage, State(entry["state"]), entry.get("seconds", 0.0), entry.get("message", ""),
                   NotebookReport.from_status(report) if report is not None else None, entry.get("worker", ""),
                   entry.get("submission", ""), entry.get("grader", ""))

    @classmethod
    def from_version_1(cls, student: str, stage: str, entry: dict) -> "GradingRecord":
        """An entry of the unversioned ``grading_status.json``: ``ok``, ``message``, ``timed_out`` (failed because
        the notebook ran out of time), the report's fields beside them, and the worker and hashes. It kept no
        worker's time (its ``seconds`` is the kernel run's, in the report): ``seconds`` is 0."""
        if entry.get("ok"):
            state, report = State.GRADED, NotebookReport.from_status(entry)
        else:
            state, report = (State.TIMED_OUT if entry.get("timed_out") else State.COULD_NOT_GRADE), None
        return cls(student, stage, state, 0.0, entry.get("message", ""), report, entry.get("worker", ""),
                   entry.get("submission", ""), entry.get("grader", ""))


@dataclass(frozen=True)
class GradedNotebook:
    """What a worker sends back: its record and the graded files (path under autograded/<student>/<stage> →
    bytes; none when it failed)."""

    record: GradingRecord
    files: dict = field(default_factory=dict)
