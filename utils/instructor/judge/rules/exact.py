"""Rule "exact": the same integer as the answer key (a count)."""

from __future__ import annotations

from ..mistakes import Failure, mistake
from .base import CaseToCompute, CaseToJudge, Rule


class Exact(Rule):
    """actual == expected, an int. Twice the expected value is a count of FLOPs instead of MACs; otherwise the
    message says whether the count is too small or too large, and what usually causes that."""

    name = "exact"

    def expected(self, asked: CaseToCompute) -> tuple[dict, dict]:
        return {"value": int(asked.answer())}, {}

    def judge(self, case: CaseToJudge):
        value = case.value()
        if case.record.get("kind") != "integer":
            raise AssertionError(f"{case.about}: returned a {case.record.get('kind', 'value')}, not an int; return "
                                 "the count as an int.")
        wanted = case.facts["value"]
        if value == wanted:
            return
        if value == 2 * wanted:
            raise Failure(f"{case.about}: returned {value!r}, which is not the expected value. "
                          + mistake("macs_not_flops").cause, mistake="macs_not_flops")
        if value < wanted:
            why = (" It is too small: are Linear layers counted, and a module that runs twice counted twice (the hook "
                   "fires on every call)?")
        else:
            why = (" It is too large: are grouped convolutions divided by `groups`, and each layer's own output size "
                   "used (not the input's)?")
        raise AssertionError(f"{case.about}: returned {value!r}, which is not the expected value.{why}")
