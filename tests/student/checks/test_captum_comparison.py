"""The visible checks of stage 05: ``check_captum_integrated_gradients`` (and the cubic model's check on Captum) (``utils/checks``) catch the
mistakes their messages name before grading, and pass a correct solution. No answer key is involved: the
checks use closed forms on small models."""

from __future__ import annotations

import re

import pytest
import torch

from utils import checks

from tests.student_style import make_captum_ig, make_ig



def test_the_cubic_check_passes_captum_configured_as_the_trapezoid():
    checks.check_ig_on_cubic_model(make_captum_ig(), "captum_integrated_gradients")


@pytest.mark.parametrize("mistake, message", [
    (make_captum_ig(use_baseline=False), "zero baseline although a baseline was passed"),
    (make_captum_ig(method=None, points=lambda s: 50, factor=False), "Gauss-Legendre"),
    (make_captum_ig(factor=False), "multiply by \\(steps \\+ 1\\) / steps"),
    (make_captum_ig(points=lambda s: s), "S points instead of S\\+1"),
    (make_captum_ig(method="riemann_left", points=lambda s: s, factor=False), "left Riemann sum"),
], ids=["baseline ignored", "default method", "no factor", "n_steps=steps", "riemann_left"])
def test_stage05_mistakes_fail_the_cubic_check(mistake, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_ig_on_cubic_model(mistake, "captum_integrated_gradients")


def make_captum_ig_extra(by_hand=False, eval_mode=True, default_steps=50, zero_default=True):
    """Captum configured as the trapezoid, written another way (NumPy result), each extra mistake a switch."""
    from captum.attr import IntegratedGradients

    def captum_integrated_gradients(model, input_tensor, target_class, baseline=None, steps=default_steps):
        if eval_mode:
            model.eval()
        x = input_tensor.detach()
        if baseline is None:
            baseline = torch.zeros_like(x) if zero_default else torch.full_like(x, -1.0)
        ig = IntegratedGradients(model)
        result = ig.attribute(x, baselines=baseline, target=target_class, n_steps=steps + 1,
                              method="riemann_trapezoid") * ((steps + 1) / steps)
        if by_hand:  # Captum called for show, the answer computed by hand
            ig.attribute(x, baselines=baseline, target=target_class)
            result = make_ig()(model, input_tensor, target_class, baseline, steps)
        return result.detach().numpy()

    return captum_integrated_gradients


def test_the_captum_checks_pass_a_numpy_solution():
    checks.check_captum_integrated_gradients(make_captum_ig_extra())
    checks.check_captum_integrated_gradients(make_captum_ig())
    checks.check_ig_on_cubic_model(make_captum_ig_extra(), "captum_integrated_gradients")


@pytest.mark.parametrize("mistake, message", [
    (make_captum_ig_extra(by_hand=True), "does not return its attributions"),
    (make_ig(), "did not call IntegratedGradients"),
    (make_captum_ig_extra(eval_mode=False), "call model.eval\\(\\) first"),
    (make_captum_ig_extra(default_steps=20), "the defaults are baseline=None \\(zeros shaped like the input\\) and "
                                              "steps=50"),
    (make_captum_ig_extra(zero_default=False), "the defaults are baseline=None"),
    (make_captum_ig_extra(default_steps=41), "the defaults are baseline=None"),
    (make_captum_ig_extra(default_steps=70), "the defaults are baseline=None"),
], ids=["IG by hand, Captum thrown away", "no Captum", "no eval()", "default steps 20", "default baseline -1",
        "default steps 41", "default steps 70"])
def test_stage05_extra_mistakes_fail(mistake, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_captum_integrated_gradients(mistake)


@pytest.mark.parametrize("default_steps", [20, 45, 60])
def test_a_wrong_default_is_told_in_numbers_that_show_it(default_steps):
    """The distance is small (a sum over 20 to 70 points is close to one over 51): a percentage with one decimal
    printed it as "by 0.0%", which reads as no difference at all."""
    with pytest.raises(AssertionError) as failure:
        checks.check_captum_integrated_gradients(make_captum_ig_extra(default_steps=default_steps))
    message = str(failure.value)
    assert "0.0%" not in message and "0.0 %" not in message, message
    assert re.search(r"relative L2 distance [1-9]\.\d+e-\d\d", message), message
