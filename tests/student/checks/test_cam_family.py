"""The visible checks of stage 06: ``check_cam_on_two_squares``, ``check_same_map_on_equivalent_model`` and SmoothGrad's ``check_fresh_noise`` (``utils/checks``) catch the
mistakes their messages name before grading, and pass a correct solution. No answer key is involved: the
checks use closed forms on small models."""

from __future__ import annotations

import pytest
import torch

from utils import checks

from tests.student_style import make_cam



@pytest.mark.parametrize("rule, method", [("cam", "CAM"), ("gradcam", "Grad-CAM"), ("plusplus", "Grad-CAM++")])
def test_the_two_squares_check_passes_correct_maps(rule, method):
    checks.check_cam_on_two_squares(make_cam(rule), method, method)


@pytest.mark.parametrize("mistake, method, message", [
    (make_cam("cam", relu=False), "CAM", "no ReLU before the normalisation"),
    (make_cam("cam", absolute=True), "CAM", "keep the sign of the"),
    (make_cam("gradcam", relu=False), "Grad-CAM", "no ReLU before the normalisation"),
    (make_cam("gradcam", absolute=True), "Grad-CAM", "keep the sign of the"),
    (make_cam("plusplus", relu_g=False), "Grad-CAM++", "weights only positive gradients"),
    (make_cam("gradcam"), "Grad-CAM++", "weights only positive gradients"),
    (make_cam("plusplus", absolute=True), "Grad-CAM++", "keep the sign of the"),
], ids=["CAM without ReLU", "CAM |weights|", "Grad-CAM without ReLU", "Grad-CAM |gradients|",
        "Grad-CAM++ without ReLU(g)", "plain Grad-CAM as Grad-CAM++", "Grad-CAM++ |g|"])
def test_stage06_mistakes_fail_the_two_squares_check(mistake, method, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_cam_on_two_squares(mistake, method, method)


@pytest.fixture(scope="module")
def digit():
    from utils.data import load_mnist
    from utils.models import load_tiny_model

    mnist = load_mnist()
    return load_tiny_model(), mnist.x_test[806:807], int(mnist.y_test[806])


def test_exact_gradcam_plusplus_is_the_same_on_the_equivalent_network(digit):
    model, x, label = digit
    checks.check_same_map_on_equivalent_model(make_cam("plusplus"), model, x, label, "compute_gradcam_plusplus")
    twin = checks.equivalent_model(model)
    with torch.no_grad():
        assert checks.relative_l2(twin(x), model(x)) < 1e-5


def test_an_epsilon_in_the_gradcam_plusplus_denominator_fails_on_the_digit(digit):
    model, x, label = digit
    with pytest.raises(AssertionError, match="1e-8 added to the denominator is not negligible"):
        checks.check_same_map_on_equivalent_model(make_cam("plusplus", epsilon=1e-8), model, x, label,
                                                  "compute_gradcam_plusplus")


def make_smoothgrad(noise="fresh"):
    def smoothgrad(explain, model, x, class_idx, n_samples=25, noise_std=0.1):
        once = noise_std * torch.randn_like(x)
        results = []
        for _ in range(n_samples):
            if noise == "reseeded":
                torch.manual_seed(0)
            eps = once if noise == "once" else noise_std * torch.randn_like(x)
            results.append(torch.as_tensor(explain(model, x + eps, class_idx)))
        return torch.stack(results).mean(0)

    return smoothgrad


def record_noise(smoothgrad):
    calls = []
    x = torch.zeros(1, 1, 8, 8)
    smoothgrad(lambda model, noisy, c: calls.append(noisy.clone()) or noisy, None, x, 3, n_samples=7, noise_std=0.5)
    return calls, x


def test_fresh_noise_passes():
    checks.check_fresh_noise(*record_noise(make_smoothgrad()), 0.5)


@pytest.mark.parametrize("noise", ["once", "reseeded"])
def test_noise_drawn_once_or_reseeded_fails(noise):
    with pytest.raises(AssertionError, match="two samples got the same noise"):
        checks.check_fresh_noise(*record_noise(make_smoothgrad(noise)), 0.5)
