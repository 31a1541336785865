"""The judge: decides each graded test cell from its record, outside the student's process.

The grading kernel only records what the student's functions returned
(``utils.recording``). After the notebook has run, :class:`JudgeRecords` (an nbgrader
preprocessor in the instructor's process) reads each test cell's record, compares
it with the answer key's cached values (``expected``) by the cell's rule
(``rules``), and replaces the cell's outputs with the verdict: nothing the kernel
printed or raised in a test cell counts. A missing, malformed or wrong record
scores 0 with a message that says why.

:func:`check` runs both halves in one process, for the project's tests of the checks.
"""

from __future__ import annotations

import torch

from utils.recording import make_record
from utils.recording._cases import hidden_test, stage_of
from utils.recording._format import MalformedRecord, decode

from . import expected as expected_values
from .rules import RULES


def verdict(grade_id: str, cases: list[dict], arrays: dict, facts: dict, expected: dict) -> str | None:
    """None when every case of the record is right; else the message for the first that is not."""
    test = hidden_test(grade_id)
    wanted = facts[grade_id]
    if len(cases) != len(wanted):
        return f"{test.function}: the record holds {len(cases)} cases instead of {len(wanted)}."
    noise_values = []
    try:
        for i, (record, fact) in enumerate(zip(cases, wanted)):
            if not isinstance(record, dict):
                raise AssertionError(f"{test.function}: the record is malformed.")
            for problem in record.get("problems") or []:
                raise AssertionError(str(problem))
            case_arrays = {name.split("/", 2)[2]: a for name, a in expected.items()
                           if name.startswith(f"{grade_id}/{i}/")}
            result = RULES[test.rule](test.function, fact["what"], record, arrays, f"c{i}", fact, case_arrays,
                                      test.rtol)
            if test.rule == "noise":
                noise_values.append(result)
        for start in range(0, len(noise_values), 3):
            first, *others = noise_values[start:start + 3]
            if not all(torch.equal(first, other) for other in others):
                raise AssertionError(f"{test.function}: two calls for inputs of shape {tuple(first.shape)} gave "
                                     "different noise. Seed the generator (the same seed on every call), and draw "
                                     "the noise from the shape alone, not from x's values.")
    except AssertionError as failure:
        return str(failure)
    return None


def judge_payload(grade_id: str, data: bytes, facts: dict, expected: dict) -> str | None:
    try:
        cases, arrays = decode(data, grade_id)
    except MalformedRecord as error:
        return f"The hidden test's record is unusable: {error}"
    return verdict(grade_id, cases, arrays, facts, expected)


def check(grade_id: str, function) -> None:
    """Record ``function`` on the cases of ``grade_id`` and judge it here; AssertionError with the verdict."""
    facts, expected = expected_values.load(stage_of(grade_id))
    with torch.random.fork_rng():
        data = make_record(grade_id, function)
    message = judge_payload(grade_id, data, facts, expected)
    if message is not None:
        raise AssertionError(message)


def checker(grade_id: str):
    """``check`` bound to one test cell: ``checker("test_x_hidden")(function)``."""
    def run(function):
        check(grade_id, function)

    run.__name__ = grade_id
    return run
