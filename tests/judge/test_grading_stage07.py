"""Stage 07's hidden checks: exact MACs and cost tables pass; the typical counting mistakes fail."""

import pytest

from utils.instructor.judge import checker

from tests import cheats
from tests.student_style import make_counter


COUNT_CHECKS = [checker("test_count_flops_forward_hidden_custom"), checker("test_count_flops_forward_hidden_models")]


@pytest.mark.parametrize("check", COUNT_CHECKS)
@pytest.mark.parametrize("solution", [make_counter(), make_counter(numpy_int=True)], ids=["int", "numpy int"])
def test_a_correct_count_passes(check, solution):
    check(solution)


@pytest.mark.parametrize("mistake", [
    make_counter(per_mac=2), make_counter(linear=False), make_counter(groups=False),
    make_counter(input_size_everywhere=True), make_counter(once_per_module=True),
], ids=["2 FLOPs per MAC", "Linear forgotten", "groups ignored", "input size at every layer", "first call only"])
def test_counting_mistakes_fail_on_the_unseen_network(mistake):
    with pytest.raises(AssertionError, match="not the expected value"):
        checker("test_count_flops_forward_hidden_custom")(mistake)


@pytest.mark.parametrize("mistake", [make_counter(per_mac=2), make_counter(linear=False),
                                     make_counter(groups=False), make_counter(input_size_everywhere=True)],
                         ids=["2 FLOPs per MAC", "Linear forgotten", "groups ignored", "input size at every layer"])
def test_counting_mistakes_fail_on_the_models(mistake):
    with pytest.raises(AssertionError, match="not the expected value"):
        checker("test_count_flops_forward_hidden_models")(mistake)


def test_hooks_left_behind_fail():
    with pytest.raises(AssertionError, match="hook"):
        checker("test_count_flops_forward_hidden_custom")(make_counter(keep_hooks=True))


def test_calling_the_answer_key_fails():
    def calls_the_answer_key(model, in_ch, H, W):
        from utils.instructor.reference import count_flops_forward

        return count_flops_forward(model, in_ch, H, W)

    with pytest.raises(AssertionError, match="answer key"):
        checker("test_count_flops_forward_hidden_custom")(calls_the_answer_key)


def cost_multipliers(steps, n_samples, backward=2, points=lambda s: s + 1, drop=None):
    one = 1 + backward
    ig = one * points(steps)
    table = {"CAM": 1, "Grad-CAM": one, "Grad-CAM++": one, "Integrated Gradients": ig,
             "SmoothGrad + IG": n_samples * ig, "SmoothGrad + Grad-CAM": one * n_samples,
             "SmoothGrad + Grad-CAM++": one * n_samples}
    table.pop(drop, None)
    return table


def test_a_correct_cost_table_passes():
    checker("test_cost_multipliers_hidden")(cost_multipliers)
    checker("test_cost_multipliers_hidden")(lambda steps, n_samples: {k: float(v) for k, v in cost_multipliers(steps, n_samples).items()})


@pytest.mark.parametrize("mistake, message", [
    (lambda s, n: cost_multipliers(s, n, backward=1), "not the expected value"),
    (lambda s, n: cost_multipliers(s, n, points=lambda steps: steps), "not the expected value"),
    (lambda s, n: cost_multipliers(s, n, drop="Grad-CAM++"), "missing keys"),
    (lambda s, n: list(cost_multipliers(s, n).values()), "return a dict"),
], ids=["backward = 1 forward", "steps instead of steps+1", "missing key", "a list"])
def test_cost_table_mistakes_fail(mistake, message):
    with pytest.raises(AssertionError, match=message):
        checker("test_cost_multipliers_hidden")(mistake)


def test_stubs_fail():
    for check in COUNT_CHECKS + [checker("test_cost_multipliers_hidden")]:
        with pytest.raises(AssertionError, match="not implemented"):
            check(cheats.stub)
