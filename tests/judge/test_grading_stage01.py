"""Stage 01's hidden checks: full marks for a correct solution, none for the typical mistakes or for cheating."""

import numpy as np
import pytest
import torch

from utils.instructor.judge import checker

from tests import cheats


def correct(model, input_tensor, target_class):
    model.eval()
    x = input_tensor.clone().detach().requires_grad_(True)
    model(x)[0, target_class].backward()
    return x.grad.numpy()  # NumPy output, with the batch dimension: accepted


def correct_without_batch_dim(model, input_tensor, target_class):
    return torch.as_tensor(correct(model, input_tensor, target_class))[0].float()


def absolute_values(model, input_tensor, target_class):
    return np.abs(correct(model, input_tensor, target_class))


def softmax_probability(model, input_tensor, target_class):
    model.eval()
    x = input_tensor.clone().requires_grad_(True)
    model(x).softmax(1)[0, target_class].backward()
    return x.grad


def forgets_eval(model, input_tensor, target_class):
    x = input_tensor.clone().requires_grad_(True)
    model(x)[0, target_class].backward()
    return x.grad


def predicted_class(model, input_tensor, target_class):
    model.eval()
    with torch.no_grad():
        predicted = int(model(input_tensor).argmax())
    return correct(model, input_tensor, predicted)


def calls_captum(model, input_tensor, target_class):
    from captum.attr import Saliency

    model.eval()
    return Saliency(model).attribute(input_tensor, target=target_class, abs=False)


CHECKS = [checker("test_vanilla_gradients_hidden_imagenet"), checker("test_vanilla_gradients_hidden_mnist")]


@pytest.mark.parametrize("solution", [correct, correct_without_batch_dim])
@pytest.mark.parametrize("check", CHECKS)
def test_correct_solutions_pass(check, solution):
    check(solution)


@pytest.mark.parametrize("mistake, message", [
    (absolute_values, "differs"), (softmax_probability, "differs"), (predicted_class, "differs"),
    (cheats.calls_the_answer_key("vanilla_gradients"), "answer key"), (calls_captum, "Captum"),
    (cheats.leaves_a_hook(correct), "hook"), (cheats.mutates_the_model(correct), "changed the model"),
    (cheats.mutates_the_input(correct), "modified its input"),
])
@pytest.mark.parametrize("check", CHECKS)
def test_mistakes_fail(check, mistake, message):
    with pytest.raises(AssertionError, match=message):
        check(mistake)


def test_forgetting_eval_fails_on_the_imagenet_model():
    with pytest.raises(AssertionError, match="eval|differs"):
        checker("test_vanilla_gradients_hidden_imagenet")(forgets_eval)


def test_a_stub_fails():
    for check in CHECKS:
        with pytest.raises(AssertionError, match="not implemented"):
            check(cheats.stub)


def test_replaced_comparison_functions_cannot_make_a_wrong_answer_pass(monkeypatch):
    """The judge compares records with its own arithmetic: patching the student's comparisons changes nothing."""
    for module, name in ((np, "allclose"), (torch, "allclose"), (torch, "equal")):
        monkeypatch.setattr(module, name, lambda *args, **kwargs: True)
    with pytest.raises(AssertionError, match="differs"):
        checker("test_vanilla_gradients_hidden_mnist")(absolute_values)
