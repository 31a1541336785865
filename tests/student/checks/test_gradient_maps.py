"""The visible checks of stages 01 and 02: ``check_on_linear_model`` (``utils/checks``) catch the
mistakes their messages name before grading, and pass a correct solution. No answer key is involved: the
checks use closed forms on small models."""

from __future__ import annotations

import pytest

from utils import checks

from tests.student_style import make_gradient



def test_the_linear_check_passes_correct_gradients():
    checks.check_on_linear_model(make_gradient(), "vanilla_gradients")
    checks.check_on_linear_model(make_gradient(times_input=True), "gradient_x_input", times_input=True)


@pytest.mark.parametrize("mistake, message", [
    (make_gradient(probability=True), "gradient of the softmax probability, not of the logit"),
    (make_gradient(absolute=True), "absolute value"),
    (make_gradient(predicted=True), "predicted class"),
    (make_gradient(times_input=True), "Gradient × Input"),
], ids=["softmax", "absolute", "predicted class", "times input"])
def test_stage01_mistakes_fail_the_linear_check(mistake, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_on_linear_model(mistake, "vanilla_gradients")


@pytest.mark.parametrize("mistake, message", [
    (make_gradient(probability=True, times_input=True), "softmax probability"),
    (make_gradient(), "plain gradient: multiply it by the input"),
], ids=["softmax", "no input factor"])
def test_stage02_mistakes_fail_the_linear_check(mistake, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_on_linear_model(mistake, "gradient_x_input", times_input=True)
