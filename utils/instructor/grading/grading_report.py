"""What grading one notebook reports, as typed objects from the kernel's executor to the grade table.

    ResilientExecute (runs the kernel)  ──NotebookReport──▶  resources["grading_report"]
    JudgeRecords (decides the test cells)  ──adds its Verdicts──▶  the same NotebookReport
    CourseAutograde (nbgrader, in-process) ──▶ GradedNotebook (worker) ──▶ GradingResult (recorded)
    GradingResult.status  ──▶  grading_status.json  ──▶  the grade table

Nothing here is read back out of log text: each stage hands the next one these objects.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

#: How a graded test cell ended, as the judge decided it.
OUTCOMES = ("passed", "wrong", "stub", "error", "timed_out", "missing_record", "forbidden_call")


@dataclass(frozen=True)
class Verdict:
    """The judge's decision on one graded test cell, machine-readable (the class report counts these).

    ``outcome``: one of ``OUTCOMES``; ``mistake``: the id of the classic mistake the
    judge recognised (``judge/mistakes.py``), if any; ``message``: what the student read.
    Made by the judge in the instructor's process after the kernel is gone, never by the kernel.
    """

    grade_id: str
    outcome: str
    mistake: str | None = None
    message: str = ""

    def __post_init__(self):
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome!r}; use one of {OUTCOMES}")

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"


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
        """The entry kept in ``grading_status.json`` (JSON: lists, not tuples)."""
        status = asdict(self)
        status["timed_out_cells"], status["skipped_cells"] = list(self.timed_out_cells), list(self.skipped_cells)
        # Without the messages: the student read them in the graded notebook; a mistake's cause is in mistakes.py,
        # and grading_status.json stays small for a class of thousands.
        status["verdicts"] = [{"grade_id": v.grade_id, "outcome": v.outcome, "mistake": v.mistake}
                              for v in self.verdicts]
        return status


def verdicts_from_status(entry: dict) -> list[Verdict]:
    """The verdicts kept in one ``grading_status.json`` entry (none for a notebook graded before they were kept)."""
    return [Verdict(**v) for v in entry.get("verdicts", [])]


@dataclass
class GradingResult:
    """One notebook's outcome as the instructor's side records it."""

    student: str
    stage: str
    ok: bool
    seconds: float
    message: str = ""
    status: dict = field(default_factory=dict)
    report: NotebookReport | None = None


@dataclass
class GradedNotebook(GradingResult):
    """What a worker sends back: the outcome and the graded files (path under autograded/<student>/<stage> → bytes)."""

    files: dict = field(default_factory=dict)
    worker: str = ""


class GradingEnvironmentError(RuntimeError):
    """The grading environment is broken (not the submission): nothing may be graded until it is fixed.

    The message names the cause and the fix. A notebook that meets it is "could not be
    graded", never 0.
    """
