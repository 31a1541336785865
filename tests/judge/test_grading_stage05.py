"""Stage 05's hidden checks: Captum configured as the trapezoid passes; other configurations, no Captum, or cheating fail."""

import numpy as np
import pytest
import torch
from captum.attr import IntegratedGradients

from utils.instructor.judge import checker

from tests import cheats


def make(n_steps=lambda s: s + 1, method="riemann_trapezoid", rescale=True, use_baseline=True, eval_mode=True,
         predicted=False, output="tensor", layout=None):
    """A Captum-based submission; each keyword turns one typical mistake (or one harmless variant) on."""

    def captum_integrated_gradients(model, input_tensor, target_class, baseline=None, steps=50):
        if eval_mode:
            model.eval()
        x = input_tensor if layout is None else input_tensor.contiguous(memory_format=layout)
        b = torch.zeros_like(x) if baseline is None or not use_baseline else baseline
        b = b if layout is None else b.contiguous(memory_format=layout)
        if predicted:
            with torch.no_grad():
                target_class = int(model(x).argmax())
        kwargs = {} if method is None else {"n_steps": n_steps(steps), "method": method}
        out = IntegratedGradients(model).attribute(x, baselines=b, target=target_class, **kwargs)
        out = out * (steps + 1) / steps if rescale else out
        if output == "numpy without batch dimension":
            return out.detach().numpy()[0]
        if output == "float64 numpy":
            return out.detach().double().numpy()
        return out

    return captum_integrated_gradients


def hand_written_without_captum(model, input_tensor, target_class, baseline=None, steps=50):
    model.eval()
    b = torch.zeros_like(input_tensor) if baseline is None else baseline
    alphas = (torch.arange(steps + 1) / steps).view(-1, 1, 1, 1)
    path = (b + alphas * (input_tensor - b)).requires_grad_(True)
    g = torch.autograd.grad(model(path)[:, target_class].sum(), path)[0]
    w = torch.full((steps + 1, 1, 1, 1), 1.0 / steps)
    w[0] = w[-1] = 0.5 / steps
    return (input_tensor - b) * (w * g).sum(0, keepdim=True)


def calls_the_answer_key(model, input_tensor, target_class, baseline=None, steps=50):
    from utils.instructor.reference import integrated_gradients

    IntegratedGradients(model).attribute(input_tensor, target=target_class, n_steps=2)  # Captum is used, but...
    return integrated_gradients(model, input_tensor, target_class, baseline=baseline, steps=steps)


CHECKS = [checker("test_captum_integrated_gradients_hidden_mnist"), checker("test_captum_integrated_gradients_hidden_defaults"),
          checker("test_captum_integrated_gradients_hidden_imagenet")]
WITH_EXPLICIT_ARGUMENTS = [checker("test_captum_integrated_gradients_hidden_mnist"),
                           checker("test_captum_integrated_gradients_hidden_imagenet")]


@pytest.mark.parametrize("solution", [
    make(), make(output="numpy without batch dimension"), make(output="float64 numpy"),
    make(layout=torch.contiguous_format),
], ids=["tensor", "numpy without batch dimension", "float64 numpy", "default memory layout"])
@pytest.mark.parametrize("check", CHECKS)
def test_correct_solutions_pass(check, solution):
    check(solution)


@pytest.mark.parametrize("mistake", [
    make(method=None, rescale=False), make(rescale=False), make(n_steps=lambda s: s),
    make(method="riemann_right", n_steps=lambda s: s, rescale=False),
    make(method="riemann_left", n_steps=lambda s: s, rescale=False),
], ids=["Captum default (gausslegendre, 50)", "no (S+1)/S factor", "n_steps = steps", "riemann_right",
        "riemann_left"])
@pytest.mark.parametrize("check", CHECKS)
def test_other_quadratures_fail(check, mistake):
    with pytest.raises(AssertionError, match="differs from the expected"):
        check(mistake)


@pytest.mark.parametrize("mistake", [make(use_baseline=False), make(predicted=True)],
                         ids=["ignored baseline", "predicted class"])
@pytest.mark.parametrize("check", WITH_EXPLICIT_ARGUMENTS)
def test_ignored_baseline_and_predicted_class_fail(check, mistake):
    with pytest.raises(AssertionError, match="differs from the expected"):
        check(mistake)


def test_train_mode_fails_on_the_imagenet_model():
    with pytest.raises(AssertionError, match="differs from the expected|changed the model's .*running"):
        checker("test_captum_integrated_gradients_hidden_imagenet")(make(eval_mode=False))


@pytest.mark.parametrize("check", CHECKS)
def test_an_ig_without_captum_fails(check):
    with pytest.raises(AssertionError, match="did not use Captum"):
        check(hand_written_without_captum)


@pytest.mark.parametrize("check", WITH_EXPLICIT_ARGUMENTS)
def test_calling_the_answer_key_fails_even_with_captum(check):
    with pytest.raises(AssertionError, match="answer key"):
        check(calls_the_answer_key)


@pytest.mark.parametrize("cheat, message", [(cheats.leaves_a_hook(make()), "hook"),
                                            (cheats.mutates_the_model(make()), "changed the model"),
                                            (cheats.mutates_the_input(make()), "modified its input")])
def test_hooks_and_mutation_fail(cheat, message):
    with pytest.raises(AssertionError, match=message):
        checker("test_captum_integrated_gradients_hidden_mnist")(cheat)


def test_replaced_comparison_functions_cannot_make_a_wrong_answer_pass(monkeypatch):
    """The judge compares outside the student's code: patched comparisons change nothing."""
    monkeypatch.setattr(np, "allclose", lambda *args, **kwargs: True)
    monkeypatch.setattr(torch, "allclose", lambda *args, **kwargs: True)
    with pytest.raises(AssertionError, match="differs"):
        checker("test_captum_integrated_gradients_hidden_mnist")(make(method="gausslegendre"))


def test_a_stub_fails():
    for check in CHECKS:
        with pytest.raises(AssertionError, match="not implemented"):
            check(cheats.stub)
