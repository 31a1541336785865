"""How the judge compares a record with the expected values: one ``Rule`` per kind of answer, one module each.

A rule holds both halves of what a hidden test's ``rule`` name means (``HiddenTest.rule``, whose names
``utils.recording._cases.RULES`` lists): ``expected``, what the answer key computes for a case (cached per release
by ``..expected``), and ``judge``, the verdict on a recorded case against those values. ``RULES`` is the one table
from the names to the rules; a test proves that it has exactly the names the hidden tests may use.
"""

from __future__ import annotations

from .base import CaseToCompute, CaseToJudge, Rule
from .blur import Blur
from .cascade import Cascade
from .close import Close
from .curve import Curve
from .dictionary import Dictionary
from .exact import Exact
from .expectation import Expectation
from .gap import Gap
from .layers import Layers
from .noise import Noise
from .number import Number
from .raises import Raises
from .smoothgrad import SmoothGrad

RULES: dict[str, Rule] = {rule.name: rule for rule in (
    Close(), Exact(), Dictionary(), Raises(), Gap(), SmoothGrad(), Noise(), Blur(), Number(), Layers(), Curve(),
    Cascade(), Expectation())}


def rule_of(name: str) -> Rule:
    """The rule a hidden test names (``HiddenTest.rule``)."""
    try:
        return RULES[name]
    except KeyError:
        raise KeyError(f"no rule is named {name!r}; a hidden test names one of {sorted(RULES)} (a new kind of answer "
                       "needs a Rule in utils/instructor/judge/rules/ and its name in utils.recording._cases.RULES)"
                       ) from None


__all__ = ["RULES", "CaseToCompute", "CaseToJudge", "Rule", "rule_of"]
