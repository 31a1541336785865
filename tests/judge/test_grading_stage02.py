"""Stage 02's hidden checks: full marks for a correct Gradient×Input, none for the typical mistakes or cheating."""

import numpy as np
import pytest
import torch

from utils.instructor.judge import checker

from tests import cheats


def gradient(model, input_tensor, target_class, eval_mode=True, probability=False):
    if eval_mode:
        model.eval()
    x = input_tensor.clone().detach().requires_grad_(True)
    output = model(x)
    score = (output.softmax(1) if probability else output)[0, target_class]
    return torch.autograd.grad(score, x)[0]


def correct(model, input_tensor, target_class):
    return (input_tensor * gradient(model, input_tensor, target_class)).numpy()


def correct_float64_without_batch_dim(model, input_tensor, target_class):
    return torch.as_tensor(correct(model, input_tensor, target_class))[0].double()


def absolute_values(model, input_tensor, target_class):
    return np.abs(correct(model, input_tensor, target_class))


def softmax_probability(model, input_tensor, target_class):
    return input_tensor * gradient(model, input_tensor, target_class, probability=True)


def forgets_eval(model, input_tensor, target_class):
    return input_tensor * gradient(model, input_tensor, target_class, eval_mode=False)


def predicted_class(model, input_tensor, target_class):
    with torch.no_grad():
        predicted = int(model.eval()(input_tensor).argmax())
    return correct(model, input_tensor, predicted)


def gradient_alone(model, input_tensor, target_class):
    return gradient(model, input_tensor, target_class)


def calls_captum(model, input_tensor, target_class):
    from captum.attr import InputXGradient

    return InputXGradient(model.eval()).attribute(input_tensor.clone().requires_grad_(), target=target_class)


CHECKS = [checker("test_gradient_x_input_hidden_imagenet"), checker("test_gradient_x_input_hidden_mnist")]


@pytest.mark.parametrize("solution", [correct, correct_float64_without_batch_dim])
@pytest.mark.parametrize("check", CHECKS)
def test_correct_solutions_pass(check, solution):
    check(solution)


@pytest.mark.parametrize("mistake, message", [
    (absolute_values, "differs"), (softmax_probability, "differs"), (predicted_class, "differs"),
    (gradient_alone, "differs"), (cheats.calls_the_answer_key("gradient_x_input"), "answer key"),
    (calls_captum, "Captum"), (cheats.leaves_a_hook(correct), "hook"),
    (cheats.mutates_the_model(correct), "changed the model"), (cheats.mutates_the_input(correct), "modified its input"),
])
@pytest.mark.parametrize("check", CHECKS)
def test_mistakes_fail(check, mistake, message):
    with pytest.raises(AssertionError, match=message):
        check(mistake)


def test_forgetting_eval_fails_on_the_imagenet_model():
    with pytest.raises(AssertionError, match="differs|changed the model"):
        checker("test_gradient_x_input_hidden_imagenet")(forgets_eval)


def test_a_stub_fails():
    for check in CHECKS:
        with pytest.raises(AssertionError, match="not implemented"):
            check(cheats.stub)
