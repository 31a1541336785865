"""The reference agrees with Captum's implementations of the same methods."""

import pytest
import torch
from captum.attr import InputXGradient, IntegratedGradients, LayerGradCam, Saliency

from utils.instructor.reference import gradcam, gradient_x_input, integrated_gradients, make_baseline, vanilla_gradients

from tests._compare import assert_maps_close, min_max

F64_RTOL = 1e-5   # float64 on the small CNN: only summation order differs
F32_RTOL = 1e-4   # float32 on EfficientNet-Lite0: 16 layers of float32 rounding


def test_vanilla_gradients_equal_captum_signed_saliency(small_cnn, small_batch):
    targets = [0, 3, 4]
    ours = vanilla_gradients(small_cnn, small_batch, targets)
    theirs = Saliency(small_cnn).attribute(small_batch, target=targets, abs=False)
    assert_maps_close(ours, theirs, F64_RTOL)
    assert (ours < 0).any(), "signed gradients must keep their negative values"


def test_gradient_x_input_equals_captum(small_cnn, small_batch):
    ours = gradient_x_input(small_cnn, small_batch, 2)
    theirs = InputXGradient(small_cnn).attribute(small_batch, target=2)
    assert_maps_close(ours, theirs, F64_RTOL)


@pytest.mark.parametrize("steps", [1, 7, 50])
def test_integrated_gradients_equal_rescaled_captum_trapezoid(small_cnn, small_batch, steps):
    baseline = make_baseline(small_batch, "noise", seed=3)
    ours = integrated_gradients(small_cnn, small_batch, [1, 2, 3], baseline=baseline, steps=steps)
    theirs = IntegratedGradients(small_cnn).attribute(
        small_batch, baselines=baseline, target=[1, 2, 3], n_steps=steps + 1,
        method="riemann_trapezoid") * (steps + 1) / steps
    assert_maps_close(ours, theirs, F64_RTOL)


def test_captum_trapezoid_without_the_factor_differs(small_cnn, small_batch):
    """The rescaling is needed: Captum's trapezoid weights sum to (n−1)/n."""
    steps = 10
    ours = integrated_gradients(small_cnn, small_batch, 0, steps=steps)
    theirs = IntegratedGradients(small_cnn).attribute(
        small_batch, target=0, n_steps=steps + 1, method="riemann_trapezoid")
    ratio = ours.sum() / theirs.sum()
    # Captum builds its step sizes in float32, hence 1e-6 rather than float64 precision
    assert ratio.item() == pytest.approx((steps + 1) / steps, rel=1e-6)


@pytest.mark.parametrize("rule, captum_method", [("left", "riemann_left"), ("right", "riemann_right"),
                                                 ("midpoint", "riemann_middle")])
def test_riemann_rules_equal_captum(small_cnn, small_batch, rule, captum_method):
    ours = integrated_gradients(small_cnn, small_batch, 4, steps=12, rule=rule)
    theirs = IntegratedGradients(small_cnn).attribute(small_batch, target=4, n_steps=12,
                                                      method=captum_method)
    assert_maps_close(ours, theirs, F64_RTOL)


def test_gradcam_equals_captum_layer_gradcam_normalised(small_cnn, small_batch):
    ours = gradcam(small_cnn, small_batch, [0, 1, 2], layer=small_cnn.act2)
    theirs = LayerGradCam(small_cnn, small_cnn.act2).attribute(
        small_batch, target=[0, 1, 2], relu_attributions=True)[:, 0]
    assert_maps_close(ours, min_max(theirs), F64_RTOL)


def test_on_pretrained_model_float32(imagenet_model, photos):
    x = torch.stack([p.tensor for p in photos[:2]])
    targets = [p.label for p in photos[:2]]
    assert_maps_close(vanilla_gradients(imagenet_model, x, targets),
                      Saliency(imagenet_model).attribute(x, target=targets, abs=False), F32_RTOL)
    steps = 6
    baseline = make_baseline(x, "black")
    ours = integrated_gradients(imagenet_model, x, targets, baseline=baseline, steps=steps)
    # The reference runs its path channels-last (faster on CPU). oneDNN picks other
    # kernels for that layout, and their float32 rounding differs from the default
    # layout's by 4e-4 (each is that far from float64), so Captum gets the same layout.
    cl = torch.channels_last
    theirs = IntegratedGradients(imagenet_model).attribute(
        x.contiguous(memory_format=cl), baselines=baseline.contiguous(memory_format=cl),
        target=targets, n_steps=steps + 1,
        method="riemann_trapezoid") * (steps + 1) / steps
    assert_maps_close(ours, theirs, F32_RTOL)
    layer = imagenet_model.blocks[5]
    ours = gradcam(imagenet_model, x, targets, layer=layer)
    theirs = LayerGradCam(imagenet_model, layer).attribute(x, target=targets, relu_attributions=True)[:, 0]
    assert_maps_close(ours, min_max(theirs), F32_RTOL)
