"""The visible checks of stage 07: ``check_mac_count`` and ``check_cost_multipliers`` (``utils/checks``) catch the
mistakes their messages name before grading, and pass a correct solution. No answer key is involved: the
checks use closed forms on small models."""

from __future__ import annotations

import pytest

from utils import checks

from tests.student_style import cost_multipliers, make_counter


def test_the_mac_check_passes_a_correct_count():
    checks.check_mac_count(make_counter())


@pytest.mark.parametrize("mistake, message", [
    (make_counter(groups=False), "ignores `groups`"), (make_counter(linear=False), "hook torch.nn.Linear too"),
    (make_counter(input_size_everywhere=True), "use each layer's own output size"),
    (make_counter(once_per_module=True), "module used twice only once"), (make_counter(per_mac=2), "counts FLOPs"),
], ids=["groups forgotten", "Linear forgotten", "input size everywhere", "first call only", "FLOPs"])
def test_stage07_counting_mistakes_fail(mistake, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_mac_count(mistake)


def test_the_cost_check_passes_the_table():
    checks.check_cost_multipliers(cost_multipliers(50, 25), 50, 25)


@pytest.mark.parametrize("costs, message", [
    (cost_multipliers(50, 25, ig_points=lambda s: s), "the trapezoid rule evaluates S \\+ 1"),
    (cost_multipliers(50, 25, backward=1), "counts a backward pass as one forward pass"),
], ids=["IG as 3S", "backward = 1 forward"])
def test_stage07_cost_mistakes_fail(costs, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_cost_multipliers(costs, 50, 25)
