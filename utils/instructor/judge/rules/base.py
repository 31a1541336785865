"""What a rule is: the expected values the answer key computes for a case, and the judgement of a recorded case
against them, side by side; and the one typed argument each of the two takes.

Lenient on form (a NumPy array or a tensor, with or without the leading batch dimension of 1, any float dtype),
strict on values. Every failure is an ``AssertionError`` whose message is written for the student: what was
computed (``CaseToJudge.what``), how far off the answer was, and the likely cause where it is clear (a classic
mistake of ``mistakes.py``, a flipped sign, a scale); never the expected numbers. A failure that names a classic
mistake, or that is not simply a wrong answer (a stub, an error), is a ``Failure`` carrying the mistake's id and
the outcome, for the class report.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Callable, ClassVar

import numpy as np
import torch

from utils.recording._cases import Case, HiddenTest

from ... import reference
from ..mistakes import Failure


@dataclass(frozen=True)
class CaseToCompute:
    """One case of a hidden test, as the answer key sees it when the expected values are computed."""

    test: HiddenTest
    case: Case

    def answer_key(self) -> Callable:
        """The answer-key function the test names (``HiddenTest.expected``, in ``utils.instructor.reference``)."""
        test = self.test
        if test.expected is None:
            raise ValueError(f"{test.grade_id}: the rule {test.rule!r} compares with the answer key; name its "
                             "function: HiddenTest(..., expected='<a function of utils.instructor.reference>').")
        if not callable(getattr(reference, test.expected, None)):
            raise ValueError(f"{test.grade_id}: expected={test.expected!r} is no function of "
                             "utils.instructor.reference; name one it defines (e.g. 'vanilla_gradients').")
        return getattr(reference, test.expected)

    def summarised(self, value):
        """``value`` as the rule compares it: ``HiddenTest.summary(case, value)`` where the test has one."""
        return self.test.summary(self.case, value) if self.test.summary is not None else value

    def answer(self):
        """The answer key's result on this case, summarised."""
        return self.summarised(self.answer_key()(*self.case.args, **self.case.kwargs))


@dataclass(frozen=True)
class CaseToJudge:
    """One recorded case of a hidden test, as a rule judges it.

    function  the student's function's name, as the messages name it
    what      the case, described without giving expected numbers away ("for class 3 on a digit you have not seen")
    record    the record's description of this case: ``{"kind": "array" | "integer" | "number" | "dict" | "none"
              | "badtype" | "stub" | "error", ...}`` (``utils.recording``)
    arrays    every array of the record, by name ("c0", "c0_noisy", ...)
    key       this case's name among them ("c0")
    facts     this case's expected facts (what ``Rule.expected`` returned first, with "what")
    expected  this case's expected arrays, by name ("value", "x", "mistake:probability")
    rtol      the hidden test's tolerance
    """

    function: str
    what: str
    record: dict
    arrays: dict = field(repr=False)
    key: str
    facts: dict = field(repr=False)
    expected: dict = field(repr=False)
    rtol: float

    @property
    def about(self) -> str:
        """The start of a message about this case: "vanilla_gradients for class 3 on a digit you have not seen"."""
        return f"{self.function} {self.what}"

    def value(self):
        """The returned value as a float64 tensor or a number; a clear failure when the call gave none."""
        name, record = self.function, self.record
        kind = record.get("kind")
        if kind in ("stub", "error"):
            raise Failure(str(record.get("message", f"{name} raised an error.")), outcome=kind)
        if kind == "none":
            raise AssertionError(f"{name} returned None: did you forget the `return` statement?")
        if kind == "badtype":
            raise AssertionError(f"{name} returned a {record.get('type', 'value')}; return a torch.Tensor or a NumPy "
                                 "array (or the number or dict the exercise asks for).")
        if self.key not in self.arrays:
            raise AssertionError(f"{name}: the hidden test recorded no value (the record is incomplete).")
        array = self.arrays[self.key]
        if kind in ("integer", "number"):
            return array.item() if array.shape == () else None
        return torch.from_numpy(np.array(array, dtype=np.float64))


class Rule(ABC):
    """How one kind of answer is judged. ``name`` is what ``HiddenTest.rule`` says (``utils.recording._cases.RULES``);
    ``uses_answer_key``: whether ``expected`` runs the test's answer-key function (``HiddenTest.expected``)."""

    name: ClassVar[str]
    uses_answer_key: ClassVar[bool] = True
    #: whether the rule accepts an answer within ``HiddenTest.rtol`` of the answer key's, measured by ``error``
    #: (the tolerances' table, ``tools/tolerance_spread.py``, measures every such test by it)
    has_tolerance: ClassVar[bool] = False

    @abstractmethod
    def expected(self, asked: CaseToCompute) -> tuple[dict, dict]:
        """(JSON-able facts, arrays by name) the judge needs to decide the case without running anything."""

    @abstractmethod
    def judge(self, case: CaseToJudge):
        """Returns when the case is right (with what ``judge_together`` needs, if anything); raises
        ``AssertionError`` (or ``Failure``) with the student's message when it is not."""

    def error(self, actual, expected: dict, facts: dict) -> float:
        """How far ``actual`` (what a function returned on a case, summarised) is from the answer key's values
        (``expected``: the case's arrays; ``facts``: its facts), in the units ``HiddenTest.rtol`` is given in.
        Only for rules that compare within a tolerance (``has_tolerance``)."""
        raise NotImplementedError(f"the rule {self.name!r} compares without a tolerance")

    def judge_together(self, test: HiddenTest, results: list) -> None:
        """What only the cases together show, once each passed ``judge`` (``results``: what it returned, in order).
        Most rules judge each case alone: nothing."""


def float64_array(value) -> np.ndarray:
    """A tensor, array or number as a float64 NumPy array, as the expected values are cached."""
    return torch.as_tensor(value).detach().cpu().to(torch.float64).numpy()


def largest_difference(actual, wanted) -> float:
    """max_k |actual_k − wanted_k| over the flattened values, in float64."""
    return float(np.abs(np.asarray(actual, dtype=np.float64).reshape(-1)
                        - np.asarray(wanted, dtype=np.float64).reshape(-1)).max())


def lower_first(sentence: str) -> str:
    return sentence[:1].lower() + sentence[1:]
