"""How the kernel run of one notebook went, as the worker's executor reports it.

    ResilientExecute (runs the kernel)  ──NotebookReport──▶  resources["grading_report"]
    JudgeRecords (decides the test cells)  ──adds its Verdicts──▶  the same NotebookReport
    the worker's GradingRecord carries it to the writer, grading_status.json keeps it (``grading_record.py``)

Nothing here is read back out of log text: each stage hands the next one these objects.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .verdict import Verdict


@dataclass(frozen=True)
class NotebookReport:
    """How the kernel run of one notebook went (ResilientExecute fills it in).

    ``timed_out_cells``: indices of cells that ran out of time (0 points);
    ``kernel_deaths``: cells whose kernel died (scored 0, the rest re-run without them);
    ``starved_retries``: re-runs with twice the time because the machine was loaded;
    ``seconds``: wall-clock time of the whole run, retries included;
    ``skipped_cells``: demonstration cells not run (tagged ``skip-when-grading``);
    ``full_rerun``: the notebook was run again with every cell (a test failed in a way they could explain);
    ``phases``: seconds of the last run by phase (kernel start, setup, exercises, hidden tests, other cells);
    ``verdicts``: the judge's decision on each graded test cell (added by JudgeRecords after the run).
    """

    sandbox: bool
    timed_out_cells: tuple[int, ...] = ()
    kernel_deaths: int = 0
    starved_retries: int = 0
    seconds: float = 0.0
    skipped_cells: tuple[int, ...] = ()
    full_rerun: bool = False
    phases: dict = field(default_factory=dict, compare=False)
    verdicts: tuple[Verdict, ...] = ()

    def as_status(self) -> dict:
        """As kept in ``grading_status.json`` (JSON: lists, not tuples); ``from_status`` reads it back."""
        status = asdict(self)
        status["timed_out_cells"], status["skipped_cells"] = list(self.timed_out_cells), list(self.skipped_cells)
        # Without the messages: the student read them in the graded notebook; a mistake's cause is in mistakes.py,
        # and grading_status.json stays small for a class of thousands.
        status["verdicts"] = [{"grade_id": v.grade_id, "outcome": v.outcome, "mistake": v.mistake}
                              for v in self.verdicts]
        return status

    @classmethod
    def from_status(cls, entry: dict) -> "NotebookReport":
        """The report ``as_status`` wrote (a notebook graded before a field was kept gets its default)."""
        return cls(sandbox=entry.get("sandbox", True), timed_out_cells=tuple(entry.get("timed_out_cells", ())),
                   kernel_deaths=entry.get("kernel_deaths", 0), starved_retries=entry.get("starved_retries", 0),
                   seconds=entry.get("seconds", 0.0), skipped_cells=tuple(entry.get("skipped_cells", ())),
                   full_rerun=entry.get("full_rerun", False), phases=entry.get("phases", {}),
                   verdicts=tuple(Verdict(**v) for v in entry.get("verdicts", ())))
