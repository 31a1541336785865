"""Guided Backpropagation (utils.guided_backprop) and stage 08's ready-made maps (utils.maps).

Guided Backprop must equal Captum's on a model built from nn.ReLU, and be really
guided on the course's models, where Captum's silently returns the plain gradient
(it only overrides nn.ReLU modules; EfficientNet-Lite0 uses ReLU6, TinyGradCAMNet
LeakyReLU).
"""

import subprocess
import sys

import pytest
import torch
from captum.attr import GuidedBackprop
from torch import nn

from utils.checks import hook_count, relative_l2
from utils.guided_backprop import guided_backprop
from utils.maps import METHODS, integrated_gradients_map, random_map, smoothgrad_map

from tests._compare import assert_maps_close


def plain_gradient(model, x, target):
    x = x.clone().requires_grad_(True)
    return torch.autograd.grad(model.eval()(x)[:, target].sum(), x)[0]


class InplaceReLUNet(nn.Module):
    """In-place ReLUs (as timm builds them) and a residual sum after them."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(3)
        self.conv1, self.act1 = nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(inplace=True)
        self.conv2, self.act2 = nn.Conv2d(6, 6, 3, padding=1), nn.ReLU(inplace=True)
        self.fc = nn.Linear(6, 4)

    def forward(self, x):
        h = self.act1(self.conv1(x))
        h = self.act2(self.conv2(h)) + h
        return self.fc(h.mean(dim=(2, 3)))


def test_equals_captum_on_a_relu_model(small_cnn, small_batch):
    for target in (0, 3, [1, 4, 2]):
        ours = guided_backprop(small_cnn, small_batch, target)
        captum = GuidedBackprop(small_cnn).attribute(small_batch.clone(), target=target)
        assert_maps_close(ours, captum, 1e-12)
    # and it really is not the plain gradient there
    assert not torch.allclose(guided_backprop(small_cnn, small_batch, 0), plain_gradient(small_cnn, small_batch, 0))


def test_equals_captum_with_in_place_relus():
    model, x = InplaceReLUNet().double().eval(), torch.randn(2, 3, 10, 10, dtype=torch.float64)
    assert_maps_close(guided_backprop(model, x, 2), GuidedBackprop(model).attribute(x.clone(), target=2), 1e-12)


@pytest.mark.parametrize("kind", ["tiny", "imagenet"])
def test_captum_is_plain_gradients_on_the_course_models_and_ours_is_not(kind, tiny_model, imagenet_model, mnist,
                                                                         photos):
    model = tiny_model if kind == "tiny" else imagenet_model
    x = mnist.x_test[:1] if kind == "tiny" else photos[0].tensor[None]
    target = int(mnist.y_test[0]) if kind == "tiny" else photos[0].label
    plain = plain_gradient(model, x, target)
    captum = GuidedBackprop(model).attribute(x.clone(), target=target)
    assert torch.allclose(captum, plain), "Captum's GuidedBackprop changed: update the notebook's warning"
    ours = guided_backprop(model, x, target)
    difference = relative_l2(ours, plain)
    assert difference > 0.3, f"guided backprop is only {difference:.2f} away from the plain gradient"


def test_the_guided_rule_on_leaky_relu_by_hand():
    """One LeakyReLU between two linear maps: R_in = W1ᵀ (d ⊙ max(W2ᵀ e_c, 0)), d = 1 or the slope."""
    torch.manual_seed(5)
    model = nn.Sequential(nn.Flatten(), nn.Linear(6, 5), nn.LeakyReLU(0.1), nn.Linear(5, 3)).double().eval()
    x = torch.randn(1, 1, 2, 3, dtype=torch.float64)
    w1, w2 = model[1].weight, model[3].weight
    pre = model[1](x.flatten(1))[0]
    slope = torch.where(pre > 0, torch.ones_like(pre), torch.full_like(pre, 0.1))
    expected = (w1.T @ (slope * torch.relu(w2[2]))).reshape(1, 1, 2, 3)
    assert torch.allclose(guided_backprop(model, x, 2), expected.detach(), atol=1e-12)


def test_conventions(tiny_model, mnist):
    x = mnist.x_test[:2].clone()
    snapshot = x.clone()
    tiny_model.train()
    tiny_model.conv2.eval()  # a deliberately mixed state must come back as it was
    modes = [m.training for m in tiny_model.modules()]
    hooks = hook_count(tiny_model)
    try:
        result = guided_backprop(tiny_model, x, [1, 2])
    finally:
        restored = [m.training for m in tiny_model.modules()]
        tiny_model.eval()
    assert restored == modes
    assert hook_count(tiny_model) == hooks
    assert torch.equal(x, snapshot) and not x.requires_grad
    assert all(p.grad is None for p in tiny_model.parameters())
    assert result.shape == x.shape


def test_hooks_come_off_when_the_model_raises(tiny_model):
    hooks = hook_count(tiny_model)
    with pytest.raises((IndexError, RuntimeError)):
        guided_backprop(tiny_model, torch.rand(1, 1, 28, 28), 10)
    assert hook_count(tiny_model) == hooks


def test_a_model_without_relu_modules_is_refused():
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2))
    with pytest.raises(ValueError, match="no nn.ReLU"):
        guided_backprop(model, torch.rand(1, 1, 2, 2), 0)
    with pytest.raises(ValueError, match="batch"):
        guided_backprop(model, torch.rand(1, 2, 2), 0)


def test_guided_backprop_survives_randomisation_where_gradients_do_not(imagenet_model, photos):
    """The notebook's claim: on EfficientNet with the top three layers randomised, GB's map stays, gradients' do not."""
    from utils.instructor.reference import randomize_layers, rank_correlation

    x, target = photos[0].tensor[None], photos[0].label
    randomised = randomize_layers(imagenet_model, 3)
    guided = rank_correlation(guided_backprop(imagenet_model, x, target), guided_backprop(randomised, x, target))
    plain = rank_correlation(plain_gradient(imagenet_model, x, target), plain_gradient(randomised, x, target))
    assert guided > 0.9 and plain < 0.6, (guided, plain)


# ---- utils.maps ------------------------------------------------------------------------------


def test_maps_against_their_definitions(tiny_model, mnist):
    x, target = mnist.x_test[3:4], int(mnist.y_test[3])
    plain = plain_gradient(tiny_model, x, target)
    assert_maps_close(METHODS["vanilla gradients"](tiny_model, x, target), plain, 1e-6)
    assert_maps_close(METHODS["gradient × input"](tiny_model, x, target), x * plain, 1e-6)
    assert_maps_close(METHODS["Guided Backprop"](tiny_model, x, target), guided_backprop(tiny_model, x, target), 0)
    with torch.no_grad():
        change = (tiny_model(x) - tiny_model(torch.zeros_like(x)))[0, target].item()
    coarse, fine = (integrated_gradients_map(tiny_model, x, target, steps=s).sum().item() for s in (8, 128))
    assert abs(coarse - change) < 0.25 * abs(change), "IG (8 Gauss-Legendre points) far from complete"
    assert abs(fine - change) < 0.02 * abs(change), "IG (128 Gauss-Legendre points) is not complete"
    cam = METHODS["Grad-CAM"](tiny_model, x, target)
    assert cam.shape == (1, 1, 28, 28) and cam.min() >= 0
    # TinyGradCAMNet's Grad-CAM at act3 (28x28, no upsampling needed) is the ReLU of the weighted channel sum
    from utils.instructor.reference import gradcam

    reference = gradcam(tiny_model, x, target, normalise=False)
    assert_maps_close(cam[0, 0], reference[0], 1e-5)


def test_smoothgrad_map_is_seeded_and_is_a_mean_of_gradients(tiny_model, mnist):
    x, target = mnist.x_test[5:6], int(mnist.y_test[5])
    first, second = smoothgrad_map(tiny_model, x, target), smoothgrad_map(tiny_model, x, target)
    assert torch.equal(first, second)
    state = torch.random.get_rng_state()
    smoothgrad_map(tiny_model, x, target, seed=3)
    assert torch.equal(state, torch.random.get_rng_state()), "smoothgrad_map disturbed the global random state"
    zero_noise = smoothgrad_map(tiny_model, x, target, noise_std=0.0)
    assert_maps_close(zero_noise, plain_gradient(tiny_model, x, target), 1e-6)
    assert not torch.allclose(first, zero_noise)


@pytest.mark.parametrize("name", list(METHODS) + ["random map"])
def test_maps_conventions(name, tiny_model, mnist):
    explain = METHODS.get(name, random_map)
    x = mnist.x_test[7:8].clone()
    snapshot = x.clone()
    tiny_model.train()
    hooks = hook_count(tiny_model)
    try:
        result = explain(tiny_model, x, 4)
        assert tiny_model.training, f"{name} did not give the model back in train mode"
    finally:
        tiny_model.eval()
    assert hook_count(tiny_model) == hooks
    assert torch.equal(x, snapshot)
    assert result.shape[-2:] == x.shape[-2:] and torch.isfinite(result).all()


def test_student_facing_modules_do_not_import_the_answer_key():
    code = ("import sys, utils.maps, utils.guided_backprop, utils.recording.stage08; "
            "print(any(m.startswith('utils.instructor') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
