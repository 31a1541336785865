"""HiResCAM, XGrad-CAM, LayerCAM and Expected Gradients of the answer key agree with pytorch-grad-cam and Captum,
and satisfy the identities stage 09 teaches."""

import numpy as np
import pytest
import torch
from captum.attr import GradientShap, LayerGradientXActivation
from pytorch_grad_cam import HiResCAM, LayerCAM, XGradCAM
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
from torch import nn

from utils.instructor.reference import cam, expected_gradients, gradcam, hirescam, layercam, xgradcam
from utils.instructor.reference.expected_gradients import path_gradient_average

from tests._compare import assert_maps_close

ORACLES = {"hirescam": (hirescam, HiResCAM), "xgradcam": (xgradcam, XGradCAM), "layercam": (layercam, LayerCAM)}
TARGETS = [0, 2, 4]


def library_raw_maps(library_class, model, layer, x, targets) -> torch.Tensor:
    """pytorch-grad-cam's ``get_cam_image``: the weighted sum before its ReLU, scaling and resize."""
    with library_class(model=model, target_layers=[layer]) as explainer:
        outputs = explainer.activations_and_grads(x)
        model.zero_grad()
        sum(ClassifierOutputTarget(t)(o) for t, o in zip(targets, outputs)).backward()
        activations = explainer.activations_and_grads.activations[-1].numpy()
        gradients = explainer.activations_and_grads.gradients[-1].numpy()
        return torch.from_numpy(explainer.get_cam_image(x, layer, targets, activations, gradients, False))


def library_maps(library_class, model, layer, x, targets) -> torch.Tensor:
    """pytorch-grad-cam's normal call: ReLU, min-max with a 1e-7 guard, resize (the identity here: SmallCNN keeps
    the input's size)."""
    with library_class(model=model, target_layers=[layer]) as explainer:
        return torch.from_numpy(explainer(input_tensor=x, targets=[ClassifierOutputTarget(t) for t in targets]))


@pytest.mark.parametrize("layer", ["act1", "act2"])
@pytest.mark.parametrize("method", sorted(ORACLES))
def test_raw_maps_equal_pytorch_grad_cam_get_cam_image(small_cnn, small_batch, method, layer):
    ours_fn, library_class = ORACLES[method]
    ours = ours_fn(small_cnn, small_batch, TARGETS, layer=layer, raw=True)
    theirs = library_raw_maps(library_class, small_cnn, small_cnn.get_submodule(layer), small_batch, TARGETS)
    # XGradCAM's library adds 1e-7 to Σ A^k, which is ≥ 1e-2 for every live channel here
    assert_maps_close(ours, theirs, 1e-5)
    if method == "layercam":  # ReLU(∂y/∂A) ⊙ A with A ≥ 0 after a ReLU: nothing negative to keep
        assert (ours >= 0).all()
    else:
        assert (ours < 0).any(), "a raw map keeps its negative values"


@pytest.mark.parametrize("method", sorted(ORACLES))
def test_normalised_maps_equal_pytorch_grad_cam(small_cnn, small_batch, method):
    ours_fn, library_class = ORACLES[method]
    ours = ours_fn(small_cnn, small_batch, TARGETS, layer=small_cnn.act1)
    assert_maps_close(ours, library_maps(library_class, small_cnn, small_cnn.act1, small_batch, TARGETS), 1e-5)


def test_hirescam_equals_captum_layer_gradient_x_activation_summed_over_channels(small_cnn, small_batch):
    theirs = LayerGradientXActivation(small_cnn, small_cnn.act1).attribute(small_batch, target=TARGETS).sum(1)
    assert_maps_close(hirescam(small_cnn, small_batch, TARGETS, layer="act1", raw=True), theirs, 1e-5)


def test_hirescam_equals_captum_on_efficientnet_float32(imagenet_model, photos):
    x = torch.stack([p.tensor for p in photos[:2]])
    targets = [p.label for p in photos[:2]]
    layer = imagenet_model.blocks[4]
    theirs = LayerGradientXActivation(imagenet_model, layer).attribute(x, target=targets).sum(1).detach()
    assert_maps_close(hirescam(imagenet_model, x, targets, layer=layer, raw=True), theirs, 1e-4)


def test_sum_identity_on_a_global_average_pool_head(small_cnn, small_batch):
    """At the layer global average pooling reads, Σ_ij HiResCAM_ij = y_c − b_c exactly (float64)."""
    raw = hirescam(small_cnn, small_batch, TARGETS, raw=True)
    with torch.no_grad():
        logits = small_cnn(small_batch)[range(3), TARGETS]
    expected = logits - small_cnn.fc.bias[TARGETS]
    torch.testing.assert_close(raw.sum(dim=(1, 2)), expected, rtol=1e-10, atol=1e-10)


def test_sum_identity_fails_before_a_non_linear_part(small_cnn, small_batch):
    raw = hirescam(small_cnn, small_batch, TARGETS, layer="conv1", raw=True)
    with torch.no_grad():
        expected = small_cnn(small_batch)[range(3), TARGETS] - small_cnn.fc.bias[TARGETS]
    assert ((raw.sum(dim=(1, 2)) - expected).abs() > 1e-2 * expected.abs()).all()


def test_hirescam_gradcam_xgradcam_and_scaled_cam_agree_exactly_on_a_gap_head(small_cnn, small_batch):
    """∂y_c/∂A^k_ij = w_k/(H'W') at the pooled layer: the three raw maps are Σ_k w_k A^k/(H'W') = CAM/(H'W')."""
    high_res = hirescam(small_cnn, small_batch, TARGETS, raw=True)
    area = high_res.shape[1] * high_res.shape[2]
    for other in (gradcam(small_cnn, small_batch, TARGETS, relu=False, normalise=False),
                  xgradcam(small_cnn, small_batch, TARGETS, raw=True),
                  cam(small_cnn, small_batch, TARGETS, relu=False, normalise=False) / area):
        torch.testing.assert_close(other, high_res, rtol=1e-10, atol=1e-12)
    layer_cam = layercam(small_cnn, small_batch, TARGETS, raw=True)
    assert not torch.allclose(layer_cam, high_res), "LayerCAM drops the channels of negative classifier weight"


def test_hirescam_and_gradcam_part_at_an_inner_layer(small_cnn, small_batch):
    high_res = hirescam(small_cnn, small_batch, TARGETS, layer="act1", raw=True)
    grad = gradcam(small_cnn, small_batch, TARGETS, layer="act1", relu=False, normalise=False)
    assert (high_res - grad).norm() > 0.1 * high_res.norm()
    # the sum identity holds for HiResCAM only where the gradient does not depend on the position
    assert not torch.allclose(high_res.sum(dim=(1, 2)), grad.sum(dim=(1, 2)))


class DeadChannel(nn.Module):
    """conv-ReLU-GAP-linear whose second channel is never active (bias −100): Σ_ij A^1 = 0."""

    cam_layer_name = "act"

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, padding=1).double()
        self.act = nn.ReLU()
        self.fc = nn.Linear(2, 3).double()
        with torch.no_grad():
            self.conv.bias.copy_(torch.tensor([0.1, -100.0]))

    def forward(self, x):
        return self.fc(self.act(self.conv(x)).mean(dim=(2, 3)))


def test_xgradcam_gives_a_dead_channel_no_weight():
    torch.manual_seed(0)
    model, x = DeadChannel().eval(), torch.randn(2, 1, 6, 6, dtype=torch.float64)
    maps = xgradcam(model, x, [0, 1], raw=True)
    assert torch.isfinite(maps).all()
    torch.testing.assert_close(maps, hirescam(model, x, [0, 1], raw=True), rtol=1e-10, atol=1e-12)


def shared_draws(seed, n_background, n_examples, n_samples):
    """The draws Captum's GradientShap takes from NumPy's global generator after ``np.random.seed(seed)``: the
    baselines' indices (for its noise tunnel), then α (for InputBaselineXGradient), examples repeated
    sample-minor (``repeat_interleave``)."""
    state = np.random.RandomState(seed)
    indices = state.choice(n_background, n_samples * n_examples)
    alphas = state.uniform(0.0, 1.0, n_samples * n_examples)
    return (torch.from_numpy(indices).reshape(n_examples, n_samples),
            torch.from_numpy(alphas).reshape(n_examples, n_samples))


def test_expected_gradients_equals_captum_gradient_shap_on_a_shared_draw(small_cnn, small_batch):
    background = torch.randn(10, 3, 12, 12, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    n_samples, seed = 7, 123
    np.random.seed(seed)
    theirs = GradientShap(small_cnn).attribute(small_batch, baselines=background, n_samples=n_samples, stdevs=0.0,
                                               target=TARGETS)
    indices, alphas = shared_draws(seed, len(background), len(small_batch), n_samples)
    ours = path_gradient_average(small_cnn, small_batch, torch.tensor(TARGETS), background[indices],
                                 alphas.to(torch.float64))
    assert_maps_close(ours, theirs, 1e-5)


def test_expected_gradients_and_captum_agree_in_distribution(tiny_model, mnist):
    """Both estimate the same expectation: with 256 draws each, their sums (completeness) agree within the sampling
    error of the two estimates, measured from the answer key's own per-draw spread."""
    x, background = mnist.x_test[:1], mnist.x_test[100:164]
    target = int(mnist.y_test[0])
    ours = expected_gradients(tiny_model, x, target, background, n_samples=256,
                              generator=torch.Generator().manual_seed(0))
    np.random.seed(1)
    theirs = GradientShap(tiny_model).attribute(x, baselines=background, n_samples=256, stdevs=0.0, target=target)
    single = torch.stack([expected_gradients(tiny_model, x, target, background, n_samples=1,
                                             generator=torch.Generator().manual_seed(s)).sum() for s in range(64)])
    standard_error = single.std() * (2 / 256) ** 0.5
    assert abs(ours.sum() - theirs.sum()) <= 5 * standard_error


def test_expected_gradients_is_exact_in_expectation_on_a_linear_model():
    """F(x) = w·x + b: EG = w ⊙ (x − mean of the drawn baselines), whatever α; its expectation w ⊙ (x − mean)."""
    generator = torch.Generator().manual_seed(3)
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 2)).double().eval()
    x = torch.randn(1, 3, 2, 2, generator=generator, dtype=torch.float64)
    background = torch.randn(5, 3, 2, 2, generator=generator, dtype=torch.float64)
    w = model[1].weight.detach()[1].reshape(1, 3, 2, 2)
    result = expected_gradients(model, x, 1, background, n_samples=4000, generator=torch.Generator().manual_seed(0))
    spread = (w * background).std(0, unbiased=False).norm() / 4000 ** 0.5
    assert (result - w * (x - background.mean(0))).norm() <= 5 * spread
    one_baseline = expected_gradients(model, x, 1, background[:1], n_samples=3)
    torch.testing.assert_close(one_baseline, w * (x - background[:1]), rtol=1e-12, atol=1e-12)


def test_expected_gradients_completeness_in_expectation(tiny_model, mnist):
    x, background = mnist.x_test[8:9], mnist.x_test[200:232]
    target = int(mnist.y_test[8])
    with torch.no_grad():
        change = tiny_model(x)[0, target] - tiny_model(background)[:, target].mean()
    draws = torch.stack([expected_gradients(tiny_model, x, target, background, n_samples=1,
                                            generator=torch.Generator().manual_seed(s)).sum() for s in range(64)])
    estimate = expected_gradients(tiny_model, x, target, background, n_samples=512,
                                  generator=torch.Generator().manual_seed(99)).sum()
    assert abs(estimate - change) <= 5 * draws.std() / 512 ** 0.5


def test_expected_gradients_generator_and_fresh_draws(small_cnn, small_batch):
    background = torch.randn(6, 3, 12, 12, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    seeded = [expected_gradients(small_cnn, small_batch, 1, background, n_samples=5,
                                 generator=torch.Generator().manual_seed(7)) for _ in range(2)]
    torch.testing.assert_close(seeded[0], seeded[1], rtol=0, atol=0)
    fresh = [expected_gradients(small_cnn, small_batch, 1, background, n_samples=5) for _ in range(2)]
    assert not torch.equal(fresh[0], fresh[1])


def test_expected_gradients_refuses_a_background_of_another_shape(small_cnn, small_batch):
    with pytest.raises(ValueError, match=r"\(B, 3, 12, 12\)"):
        expected_gradients(small_cnn, small_batch, 0, torch.zeros(4, 3, 8, 8, dtype=torch.float64))
    with pytest.raises(TypeError, match="torch.Generator"):
        expected_gradients(small_cnn, small_batch, 0, torch.zeros(4, 3, 12, 12, dtype=torch.float64), generator=3)
