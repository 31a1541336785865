"""CAM against its closed form, and the relations between the CAM family."""

import torch
import pytest

from utils.instructor.reference import cam, gradcam, gradcam_plusplus

from tests._compare import assert_maps_close, min_max


def seeds_closed_form_cam(model, x, c):
    """M = Σ_k w^c_k A^k at the layer global average pooling reads; ReLU; min-max."""
    with torch.no_grad():
        features = model.act2(model.conv2(model.act1(model.conv1(x))))
    raw = torch.einsum("nkhw,k->nhw", features, model.fc.weight[c])
    return min_max(torch.relu(raw))


def test_cam_equals_closed_form(small_cnn, small_batch):
    for c in range(5):
        assert_maps_close(cam(small_cnn, small_batch, c), seeds_closed_form_cam(small_cnn, small_batch, c), 1e-12)


def test_cam_decomposes_the_logit_at_the_gap_layer(small_cnn, small_batch):
    """y_c = mean_ij M_c,ij + b_c when the layer is what global average pooling reads."""
    raw = cam(small_cnn, small_batch, 3, relu=False, normalise=False)
    logits = small_cnn(small_batch)[:, 3]
    torch.testing.assert_close(raw.mean(dim=(1, 2)) + small_cnn.fc.bias[3], logits)


def test_cam_equals_gradcam_at_the_gap_layer(small_cnn, small_batch):
    """There ∂y_c/∂A^k_ij = w^c_k / (H·W), so Grad-CAM's weights are CAM's up to a positive factor."""
    assert_maps_close(gradcam(small_cnn, small_batch, 1), cam(small_cnn, small_batch, 1), 1e-10)


def test_cam_on_tiny_model_matches_seed_feature_path(tiny_model, mnist):
    x = mnist.x_test[:4]
    _, _, _, f3 = tiny_model(x, return_features=True)
    for c in (0, 7):
        expected = min_max(torch.relu(torch.einsum("nkhw,k->nhw", f3, tiny_model.fc.weight[c])))
        assert_maps_close(cam(tiny_model, x, c), expected.detach(), 1e-6)


@pytest.mark.parametrize("method", [cam, gradcam, gradcam_plusplus])
def test_maps_span_zero_to_one_and_upsample(small_cnn, small_batch, method):
    maps = method(small_cnn, small_batch, 0)
    assert maps.shape == (3, 12, 12)
    for m in maps:
        assert m.min().item() == 0.0 and m.max().item() == pytest.approx(1.0)
    up = method(small_cnn, torch.nn.functional.interpolate(small_batch, size=24), 0, upsample=True)
    assert up.shape == (3, 24, 24)


def test_relu_is_applied_before_normalising(small_cnn, small_batch):
    raw = gradcam(small_cnn, small_batch, 2, relu=False, normalise=False)
    assert (raw < 0).any(), "the test needs negative evidence to be meaningful"
    assert_maps_close(gradcam(small_cnn, small_batch, 2), min_max(torch.relu(raw)), 1e-12)


def test_gradcam_plusplus_alpha_is_zero_where_the_denominator_is_zero():
    from utils.instructor.reference.gradcam_plusplus import gradcam_plusplus_weights

    activations = torch.ones(1, 2, 2, 2)
    gradients = torch.tensor([[[[0.0, 1.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]]]])
    weights = gradcam_plusplus_weights(activations, gradients, None)
    assert torch.isfinite(weights).all()
    # one nonzero gradient g = 1 with Σ A = 4: α = 1 / (2 + 4) and w = α · ReLU(1)
    torch.testing.assert_close(weights, torch.tensor([[1 / 6, 0.0]]))
