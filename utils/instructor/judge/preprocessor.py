"""nbgrader's side of the judge: after the notebook ran, replace each graded test cell's outputs with its verdict."""

from __future__ import annotations

import dataclasses

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from utils.recording._cases import hidden_test
from utils.recording._format import MIME, MalformedRecord, from_output

from .. import cells
from ..record.verdict import Verdict
from . import decide
from . import expected as expected_values

PASSED = "Passed (judged by the grader from what your function returned)."
#: Errors in a test cell's own outputs that explain a missing record.
TIMEOUT_ERRORS = ("CellTimeoutError", "KeyboardInterrupt")


def passed_output() -> NotebookNode:
    return NotebookNode(output_type="stream", name="stdout", text=PASSED + "\n")


def failed_output(message: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename="AssertionError", evalue=message,
                        traceback=[f"AssertionError: {message}"])


def _records(cell, grade_id: str) -> list:
    return [o["data"][MIME] for o in cell.get("outputs", [])
            if o.get("output_type") == "display_data" and MIME in o.get("data", {})
            and isinstance(o["data"][MIME], dict) and o["data"][MIME].get("grade_id") == grade_id]


def _why_missing(cell, grade_id: str) -> Verdict:
    names = [o.get("ename", "") for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    if any(name in TIMEOUT_ERRORS for name in names):
        return Verdict(grade_id, "timed_out", None,
                       "this test ran out of time (it was given a second try with twice the time first).")
    if "KernelDied" in names:
        return Verdict(grade_id, "error", None,
                       "the Python kernel died while this test ran (os._exit, a crash, or the memory limit).")
    return Verdict(grade_id, "missing_record", None,
                   "the hidden test did not record a result: the notebook stopped before it, or your code in this "
                   "notebook interfered with it. Restart the kernel and run every cell from the top to check.")


class JudgeRecords(NbGraderPreprocessor):
    """Decide every graded code cell from its record; nothing the kernel wrote into a test cell survives.

    The verdicts, machine-readable (:class:`~..record.verdict.Verdict`), are added to
    the run's NotebookReport in ``resources["grading_report"]``: they reach the grading
    status (and the class report) the way the rest of the run's report does. They are
    made here, in the instructor's process, after the kernel is gone.
    """

    def preprocess(self, nb, resources):
        stage = resources["nbgrader"]["assignment"]
        facts, expected = expected_values.load(stage, log=self.log.info)
        verdicts = []
        for cell in nb.cells:
            if cell.cell_type != "code" or not cells.is_test(cell):
                continue  # only autograded test cells; answers graded by hand keep what the student wrote
            verdict = self._judge(cell, cells.grade_id(cell), facts, expected)
            verdicts.append(verdict)
            cell.outputs = [passed_output()] if verdict.passed else [failed_output(verdict.message)]
        if "grading_report" in resources:
            resources["grading_report"] = dataclasses.replace(resources["grading_report"], verdicts=tuple(verdicts))
        return nb, resources

    def _judge(self, cell, grade_id: str, facts: dict, expected: dict) -> Verdict:
        try:
            hidden_test(grade_id)
        except KeyError:
            self.log.error("test cell %s has no hidden test in utils.recording: it scores 0", grade_id)
            return Verdict(grade_id, "error", None, "This test has no declaration in the grader (an error of the "
                           "course, not yours): ask your instructor.")
        if grade_id not in facts:
            return Verdict(grade_id, "error", None, "The grader has no expected values for this test (an error of "
                           "the course): ask your instructor.")
        records = _records(cell, grade_id)
        if not records:
            return _why_missing(cell, grade_id)
        try:
            cases, arrays = from_output(records[-1], grade_id)
        except MalformedRecord as error:
            return Verdict(grade_id, "missing_record", None, f"The hidden test's record is unusable: {error}")
        return decide(grade_id, cases, arrays, facts, expected)

