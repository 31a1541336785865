"""Stage 03's hidden checks: a correct path, IG and gap pass; the typical mistakes and cheating fail."""

import numpy as np
import pytest
import torch

from utils.instructor.judge import checker

from tests import cheats


def interpolate_path(input_tensor, baseline, steps):
    alphas = torch.linspace(0, 1, steps + 1).view(-1, 1, 1, 1)
    return baseline + alphas * (input_tensor - baseline)


def path_without_the_end(input_tensor, baseline, steps):
    alphas = torch.arange(steps).view(-1, 1, 1, 1) / steps
    return baseline + alphas * (input_tensor - baseline)


def path_numpy(input_tensor, baseline, steps):
    return interpolate_path(input_tensor, baseline, steps).numpy().astype(np.float64)


def _gradients(model, x, baseline, target, steps, *, eval_mode=True, probability=False, n_points=None):
    if eval_mode:
        model.eval()
    n_points = n_points or steps + 1
    alphas = torch.linspace(0, 1, n_points).view(-1, 1, 1, 1)
    path = (baseline + alphas * (x - baseline)).requires_grad_(True)
    out = model(path)
    out = out.softmax(1) if probability else out
    return torch.autograd.grad(out[:, target].sum(), path)[0]


def make_ig(rule="trapezoid", factor=True, use_baseline=True, eval_mode=True, probability=False, points=None,
            absolute=False, predicted=False):
    def integrated_gradients(model, input_tensor, target_class, baseline=None, steps=50):
        x = input_tensor.detach()
        b = torch.zeros_like(x) if baseline is None or not use_baseline else baseline
        if predicted:
            with torch.no_grad():
                target_class = int(model.eval()(x).argmax())
        g = _gradients(model, x, b, target_class, steps, eval_mode=eval_mode, probability=probability,
                       n_points=points(steps) if points else None)
        if rule == "trapezoid":
            n = g.shape[0] - 1
            avg = (g[0] + g[-1]) / (2 * n) + g[1:-1].sum(0) / n
        elif rule == "left":
            avg = g[:-1].mean(0)
        else:
            avg = g[1:].mean(0)
        result = ((x - b) * avg) if factor else avg[None]
        return result.abs() if absolute else result

    return integrated_gradients


def completeness_gap(model, input_tensor, target_class, attributions, baseline):
    model.eval()
    with torch.no_grad():
        change = model(input_tensor)[0, target_class] - model(baseline)[0, target_class]
    return np.float32(torch.as_tensor(attributions).sum() - change)


def gap_sign_flipped(model, input_tensor, target_class, attributions, baseline):
    return -float(completeness_gap(model, input_tensor, target_class, attributions, baseline))


def gap_with_probabilities(model, input_tensor, target_class, attributions, baseline):
    with torch.no_grad():
        p = model.eval()(torch.cat([input_tensor, baseline])).softmax(1)[:, target_class]
    return float(torch.as_tensor(attributions).sum() - (p[0] - p[1]))


def gap_of_predicted_class(model, input_tensor, target_class, attributions, baseline):
    with torch.no_grad():
        predicted = int(model.eval()(input_tensor).argmax())
    return float(completeness_gap(model, input_tensor, predicted, attributions, baseline))


IG_CHECKS = [checker("test_integrated_gradients_hidden_mnist"), checker("test_integrated_gradients_hidden_default_baseline"),
             checker("test_integrated_gradients_hidden_imagenet")]


@pytest.mark.parametrize("solution", [interpolate_path, path_numpy])
def test_a_correct_path_passes(solution):
    solution.__name__ = "interpolate_path"
    checker("test_interpolate_path_hidden")(solution)


def test_a_path_without_its_end_point_fails():
    with pytest.raises(AssertionError, match="shape"):
        checker("test_interpolate_path_hidden")(path_without_the_end)


@pytest.mark.parametrize("check", IG_CHECKS)
def test_correct_integrated_gradients_pass(check):
    check(make_ig())


@pytest.mark.parametrize("mistake", [
    make_ig(rule="left"), make_ig(rule="right"), make_ig(factor=False), make_ig(probability=True),
    make_ig(absolute=True), make_ig(predicted=True), make_ig(points=lambda steps: steps),
], ids=["left Riemann", "right Riemann", "no (x - baseline) factor", "softmax", "absolute", "predicted class",
        "steps points instead of steps+1"])
@pytest.mark.parametrize("check", [checker("test_integrated_gradients_hidden_mnist"), checker("test_integrated_gradients_hidden_imagenet")])
def test_typical_ig_mistakes_fail(check, mistake):
    with pytest.raises(AssertionError, match="differs|shape"):
        check(mistake)


@pytest.mark.parametrize("check", [checker("test_integrated_gradients_hidden_mnist"), checker("test_integrated_gradients_hidden_imagenet")])
def test_an_ignored_baseline_fails(check):
    with pytest.raises(AssertionError, match="differs"):
        check(make_ig(use_baseline=False))


def test_train_mode_fails_on_the_imagenet_model():
    with pytest.raises(AssertionError, match="differs|changed the model"):
        checker("test_integrated_gradients_hidden_imagenet")(make_ig(eval_mode=False))


def test_cheating_fails():
    def calls_captum(model, input_tensor, target_class, baseline=None, steps=50):
        from captum.attr import IntegratedGradients

        return IntegratedGradients(model.eval()).attribute(input_tensor, baselines=baseline, target=target_class,
                                                           n_steps=steps + 1, method="riemann_trapezoid")

    def mutates_the_baseline(model, input_tensor, target_class, baseline=None, steps=50):
        result = make_ig()(model, input_tensor, target_class, baseline, steps)
        if baseline is not None:
            baseline.zero_()
        return result

    for function, message in ((cheats.calls_the_answer_key("integrated_gradients"), "answer key"),
                              (calls_captum, "Captum"), (cheats.leaves_a_hook(make_ig()), "hook"),
                              (cheats.mutates_the_model(make_ig()), "changed the model"),
                              (cheats.mutates_the_input(make_ig()), "modified its input"),
                              (mutates_the_baseline, "modified its input")):
        with pytest.raises(AssertionError, match=message):
            checker("test_integrated_gradients_hidden_mnist")(function)


def test_a_correct_gap_passes():
    checker("test_completeness_gap_hidden")(completeness_gap)


@pytest.mark.parametrize("mistake", [gap_sign_flipped, gap_with_probabilities, gap_of_predicted_class])
def test_typical_gap_mistakes_fail(mistake):
    with pytest.raises(AssertionError, match="not the expected gap"):
        checker("test_completeness_gap_hidden")(mistake)


def test_stubs_fail():
    for check in (checker("test_interpolate_path_hidden"), *IG_CHECKS, checker("test_completeness_gap_hidden")):
        with pytest.raises(AssertionError, match="not implemented"):
            check(cheats.stub)
