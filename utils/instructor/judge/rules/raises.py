"""Rule "raises": the call refuses its input with a ``ValueError``."""

from __future__ import annotations

from ..mistakes import Failure
from .base import CaseToCompute, CaseToJudge, Rule


class Raises(Rule):
    """The record says the call raised a ValueError; another error, a stub or a returned value fails."""

    name = "raises"
    uses_answer_key = False

    def expected(self, asked: CaseToCompute) -> tuple[dict, dict]:
        return {}, {}

    def judge(self, case: CaseToJudge):
        kind = case.record.get("kind")
        if kind == "stub":
            raise Failure(str(case.record["message"]), outcome="stub")
        if kind == "error" and case.record.get("value_error"):
            return
        if kind == "error":
            raise Failure(f"{case.about}: {case.record['message']}; an unknown kind should raise a ValueError.",
                          outcome="error")
        raise AssertionError(f"{case.about} returned a value; an unknown kind should raise a ValueError that lists "
                             "the five kinds.")
