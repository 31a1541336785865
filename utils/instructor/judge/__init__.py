"""The judge: decides each graded test cell from its record, outside the student's process.

The grading kernel only records what the student's functions returned
(``utils.recording``). After the notebook has run, :class:`JudgeRecords` (an nbgrader
preprocessor in the instructor's process) reads each test cell's record, compares
it with the answer key's cached values (``expected``) by the cell's rule
(``rules``: one ``Rule`` per kind of answer, the expected values' recipe beside the
judgement), and replaces the cell's outputs with the verdict: nothing the kernel
printed or raised in a test cell counts. A missing, malformed or wrong record
scores 0 with a message that says why.

:func:`check` runs both halves in one process, for the project's tests of the checks.
"""

from __future__ import annotations

import torch

from utils.recording import make_record
from utils.recording._cases import hidden_test, stage_of
from utils.recording._format import MalformedRecord, decode

from ..record.verdict import Verdict
from . import expected as expected_values
from .mistakes import Failure
from .rules import CaseToJudge, rule_of

#: A problem the call watcher noted (utils.calling.PROBLEM_KINDS) → (outcome, classic mistake).
PROBLEMS = {"forbidden_call": ("forbidden_call", None), "captum_not_used": ("wrong", "captum_not_used"),
            "hook_left": ("wrong", "hook_left"), "model_changed": ("wrong", "model_changed"),
            "input_modified": ("wrong", "input_modified")}


def _problem(grade_id: str, problem) -> Failure:
    """The failure for one problem the call watcher noted in the record."""
    if not isinstance(problem, dict) or problem.get("kind") not in PROBLEMS:
        return Failure(f"{hidden_test(grade_id).function}: the record is malformed.", outcome="missing_record")
    outcome, mistake = PROBLEMS[problem["kind"]]
    return Failure(str(problem.get("message", "")), outcome=outcome, mistake=mistake)


def decide(grade_id: str, cases: list[dict], arrays: dict, facts: dict, expected: dict) -> Verdict:
    """The verdict on one test cell's record: passed when every case is right; else the first failure's."""
    test = hidden_test(grade_id)
    rule = rule_of(test.rule)
    wanted = facts[grade_id]
    if len(cases) != len(wanted):
        return Verdict(grade_id, "missing_record", None,
                       f"{test.function}: the record holds {len(cases)} cases instead of {len(wanted)}.")
    results = []
    try:
        for i, (record, fact) in enumerate(zip(cases, wanted)):
            if not isinstance(record, dict):
                raise Failure(f"{test.function}: the record is malformed.", outcome="missing_record")
            for problem in record.get("problems") or []:
                raise _problem(grade_id, problem)
            case_arrays = {name.split("/", 2)[2]: a for name, a in expected.items()
                           if name.startswith(f"{grade_id}/{i}/")}
            results.append(rule.judge(CaseToJudge(function=test.function, what=fact["what"], record=record,
                                                  arrays=arrays, key=f"c{i}", facts=fact, expected=case_arrays,
                                                  rtol=test.rtol)))
        rule.judge_together(test, results)
    except Failure as failure:
        return Verdict(grade_id, failure.outcome, failure.mistake, str(failure))
    except AssertionError as failure:
        return Verdict(grade_id, "wrong", None, str(failure))
    except (TypeError, KeyError, ValueError, IndexError, AttributeError) as error:
        # Fields the recorder always writes are missing or of another type: a record made by hand, not by the
        # recorder. It scores 0 like a missing one (never a crash that leaves the notebook ungraded).
        return Verdict(grade_id, "missing_record", None,
                       f"{test.function}: the record is malformed ({type(error).__name__}).")
    return Verdict(grade_id, "passed")


def judge_payload(grade_id: str, data: bytes, facts: dict, expected: dict) -> Verdict:
    """The verdict on a record's bytes (a record that cannot be decoded is a missing record)."""
    try:
        cases, arrays = decode(data, grade_id)
    except MalformedRecord as error:
        return Verdict(grade_id, "missing_record", None, f"The hidden test's record is unusable: {error}")
    return decide(grade_id, cases, arrays, facts, expected)


def judge_function(grade_id: str, function) -> Verdict:
    """Record ``function`` on the cases of ``grade_id`` and judge it here, in one process."""
    facts, expected = expected_values.load(stage_of(grade_id))
    with torch.random.fork_rng():
        data = make_record(grade_id, function)
    return judge_payload(grade_id, data, facts, expected)


def check(grade_id: str, function) -> None:
    """``judge_function``, raising AssertionError with the verdict's message unless it passed."""
    verdict = judge_function(grade_id, function)
    if not verdict.passed:
        raise AssertionError(verdict.message)


def checker(grade_id: str):
    """``check`` bound to one test cell: ``checker("test_x_hidden")(function)``."""
    def run(function):
        check(grade_id, function)

    run.__name__ = grade_id
    return run
