"""Stage 09's visible checks (utils/checks/beyond_gradcam.py) pass the right answers and name each classic mistake
they catch."""

import pytest

import utils.checks as checks
from utils.data import load_mnist

from tests.student_style import HIRES, LAYER, MEAN, eg_student, student_cam, xgrad


@pytest.fixture(scope="module")
def digit(tiny_model):
    mnist = load_mnist()
    return tiny_model, mnist.x_test[804:805], int(mnist.y_test[804])


def test_right_answers_pass(digit):
    model, x, c = digit
    for weighting, method in ((HIRES, "HiResCAM"), (xgrad, "XGrad-CAM"), (LAYER, "LayerCAM")):
        checks.check_variant_on_two_squares(student_cam(weighting), "f", method)
        checks.check_not_a_classic_mistake(student_cam(weighting), model, x, c, "act2", "f", method)
    checks.check_sum_identity(student_cam(HIRES), model, x, c)
    checks.check_dead_channel(student_cam(xgrad))
    checks.check_expected_gradients_on_linear_model(eg_student())


@pytest.mark.parametrize("check, message", [
    (lambda d: checks.check_not_a_classic_mistake(student_cam(MEAN), *d, "act2", "f", "HiResCAM"), "averaged"),
    (lambda d: checks.check_not_a_classic_mistake(student_cam(LAYER), *d, "act2", "f", "HiResCAM"),
     "that is LayerCAM"),
    (lambda d: checks.check_not_a_classic_mistake(student_cam(HIRES), *d, "act2", "f", "LayerCAM"),
     "without the ReLU on the gradient"),
    (lambda d: checks.check_not_a_classic_mistake(student_cam(lambda A, g: (A * g).mean(dim=(1, 2))), *d, "act2",
                                                  "f", "XGrad-CAM"), "own sum"),
    (lambda d: checks.check_variant_on_two_squares(student_cam(HIRES, relu=False), "f", "HiResCAM"), "no ReLU"),
    (lambda d: checks.check_variant_on_two_squares(student_cam(LAYER), "f", "HiResCAM"), "keep the gradient's sign"),
    (lambda d: checks.check_variant_on_two_squares(student_cam(HIRES), "f", "LayerCAM"), "positive gradients only"),
    (lambda d: checks.check_sum_identity(student_cam(HIRES, honour_raw=False), *d), "with raw=True return"),
    (lambda d: checks.check_dead_channel(student_cam(lambda A, g: (A * g).sum(dim=(1, 2)) / A.sum(dim=(1, 2)))),
     "torch.where"),
    (lambda d: checks.check_expected_gradients_on_linear_model(eg_student(multiply=False)), "multiply it by x − x′"),
    (lambda d: checks.check_expected_gradients_on_linear_model(eg_student(one_baseline=True)), "its own baseline"),
    (lambda d: checks.check_expected_gradients_on_linear_model(eg_student(use_generator=False)), "generator=generator"),
    (lambda d: checks.check_expected_gradients_on_linear_model(eg_student(seed_inside=True)), "do not seed"),
], ids=["hirescam mean", "hirescam relu(g)", "layercam signed g", "xgradcam one normaliser", "no relu",
        "relu(g) on squares", "layercam signed on squares", "raw ignored", "division by zero", "eg gradient only",
        "eg one baseline", "eg generator ignored", "eg seeded inside"])
def test_each_classic_mistake_is_named(digit, check, message):
    with pytest.raises(AssertionError, match=message):
        check(digit)
