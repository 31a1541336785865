"""utils.hooks: the one way the course reads a layer (answer key, notebook 06, explorer)."""

import pytest
import torch

from utils.checks import hook_count
from utils.hooks import feature_maps_and_gradients, resolve_layer
from utils.models import load_tiny_model


@pytest.fixture(scope="module")
def digit():
    torch.manual_seed(0)
    return torch.rand(1, 1, 28, 28)


def test_gives_the_layer_output_and_the_gradient_of_the_logit(digit):
    model = load_tiny_model()
    A, dA = feature_maps_and_gradients(model, digit, 3)
    # by hand: the network split at act3, the rest differentiated with autograd
    head = torch.nn.Sequential(*list(model.children())[:6])
    activations = head(digit).detach().requires_grad_(True)
    logit = model.fc(activations.mean(dim=(2, 3)))[0, 3]
    (expected_gradient,) = torch.autograd.grad(logit, activations)
    assert A.shape == dA.shape == (32, 28, 28)
    torch.testing.assert_close(A, activations.detach()[0])
    torch.testing.assert_close(dA, expected_gradient[0])


def test_runs_in_eval_mode_gives_each_module_its_mode_back_and_leaves_no_hook(digit):
    model = load_tiny_model().train()
    model.act1.eval()
    feature_maps_and_gradients(model, digit, 0, "act2")
    assert model.training and not model.act1.training and model.act2.training
    assert hook_count(model) == 0
    assert digit.grad is None and all(p.grad is None for p in model.parameters())


def test_forward_only_gives_no_gradient(digit):
    A, dA = feature_maps_and_gradients(load_tiny_model(), digit, 0, need_gradients=False)
    assert dA is None and A.shape == (32, 28, 28) and not A.requires_grad


@pytest.mark.parametrize("layer, message", [
    ("act9", "no layer named 'act9'"), (torch.nn.ReLU(), "not a module of this model"), (3, "dotted name"),
])
def test_a_wrong_layer_is_refused_with_a_message(layer, message):
    with pytest.raises((ValueError, TypeError), match=message):
        resolve_layer(load_tiny_model(), layer)


def test_a_model_without_a_cam_layer_needs_one():
    with pytest.raises(ValueError, match="layer is required"):
        resolve_layer(torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3)), None)
