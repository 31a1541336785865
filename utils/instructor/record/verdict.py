"""The judge's decision on one graded test cell: made by the judge (``judge/``) on the worker, kept in the
notebook's ``GradingRecord``, counted by the class report."""

from __future__ import annotations

from dataclasses import dataclass

#: How a graded test cell ended, as the judge decided it.
OUTCOMES = ("passed", "wrong", "stub", "error", "timed_out", "missing_record", "forbidden_call")


@dataclass(frozen=True)
class Verdict:
    """The judge's decision on one graded test cell, machine-readable (the class report counts these).

    ``outcome``: one of ``OUTCOMES``; ``mistake``: the id of the classic mistake the
    judge recognised (``judge/mistakes.py``), if any; ``message``: what the student read.
    Made by the judge in the grading process after the kernel is gone, never by the kernel.
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
