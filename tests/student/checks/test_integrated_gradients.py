"""The visible checks of stage 03: ``check_ig_on_cubic_model`` and ``check_ig_batches`` (``utils/checks``) catch the
mistakes their messages name before grading, and pass a correct solution. No answer key is involved: the
checks use closed forms on small models."""

from __future__ import annotations

import pytest

from utils import checks

from tests.student_style import make_ig



def test_the_ig_checks_pass_the_trapezoid():
    checks.check_ig_on_cubic_model(make_ig())
    checks.check_ig_batches(make_ig())


@pytest.mark.parametrize("mistake, message", [
    (make_ig(rule="left"), "left Riemann sum"),
    (make_ig(rule="mean"), "plain mean over the S\\+1 points"),
    (make_ig(use_baseline=False), "zero baseline although a baseline was passed"),
    (make_ig(difference=False), "without the \\(input - baseline\\) factor"),
], ids=["left Riemann", "plain mean", "baseline ignored", "no (x - x') factor"])
def test_stage03_mistakes_fail_the_cubic_check(mistake, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_ig_on_cubic_model(mistake)


@pytest.mark.parametrize("mistake, message", [
    (make_ig(batches="ignored"), "path points through the model at once; send at most 3"),
    (make_ig(default_batch=51), "batch_size=None \\(the default, at most 8"),
    (make_ig(batches="restart"), "weighted by their position k in the whole path"),
], ids=["batch_size ignored", "default all at once", "weights restart in every batch"])
def test_stage03_batching_mistakes_fail(mistake, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_ig_batches(mistake)


def test_an_ig_without_batch_size_is_told_to_add_it():
    def no_batches(model, input_tensor, target_class, baseline=None, steps=50):
        return make_ig()(model, input_tensor, target_class, baseline, steps)

    with pytest.raises(AssertionError, match="no `batch_size` argument"):
        checks.check_ig_batches(no_batches)
