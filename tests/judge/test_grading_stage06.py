"""Stage 06's hidden checks: correct CAM-family maps and SmoothGrad pass; the typical mistakes and cheating fail."""

import numpy as np
import pytest
import torch

from utils.hooks import activations_and_gradients, resolve_layer
from utils.instructor.judge import checker

from tests import cheats


def features(model, x, class_idx, layer=None, eval_mode=True, probability=False, keep_hook=False):
    """A student's A and ∂score/∂A (K, H', W'), with the mistakes students make as options."""
    if eval_mode:
        model.eval()
    module = resolve_layer(model, layer)
    if keep_hook:
        module.register_forward_hook(lambda *args: None)
    A, g = activations_and_gradients(model, x, module, lambda out: (out.softmax(1) if probability else out)[:, class_idx])
    return A[0], g[0]


def finish(raw, relu=True, normalise=True):
    m = torch.relu(raw) if relu else raw
    if not normalise:
        return m
    m = m - m.min()
    return m / m.max() if m.max() > 0 else m


def make(rule, relu=True, normalise=True, abs_gradients=False, predicted=False, numpy_output=False, **options):
    def explain(model, x, class_idx, layer=None):
        if predicted:
            with torch.no_grad():
                class_idx = int(model.eval()(x).argmax())
        A, g = features(model, x, class_idx, layer, **options)
        if abs_gradients:
            g = g.abs()
        if rule == "cam":
            w = [m for m in model.modules() if isinstance(m, torch.nn.Linear)][-1].weight.detach()[class_idx]
        elif rule == "gradcam":
            w = g.mean(dim=(1, 2))
        else:
            d = 2 * g ** 2 + A.sum(dim=(1, 2), keepdim=True) * g ** 3
            alpha = torch.where(d != 0, g ** 2 / torch.where(d != 0, d, torch.ones_like(d)), torch.zeros_like(d))
            w = (alpha * torch.relu(g)).sum(dim=(1, 2))
        out = finish(torch.einsum("k,khw->hw", w, A), relu, normalise)
        return out.numpy()[None] if numpy_output else out

    return explain


CAM = [checker("test_compute_cam_hidden_mnist"), checker("test_compute_cam_hidden_imagenet")]
GRADCAM = [checker("test_compute_gradcam_hidden_mnist"), checker("test_compute_gradcam_hidden_imagenet")]
PLUSPLUS = [checker("test_compute_gradcam_plusplus_hidden_mnist"), checker("test_compute_gradcam_plusplus_hidden_imagenet")]


@pytest.mark.parametrize("checks, rule", [(CAM, "cam"), (GRADCAM, "gradcam"), (PLUSPLUS, "plusplus")])
@pytest.mark.parametrize("numpy_output", [False, True])
def test_correct_maps_pass(checks, rule, numpy_output):
    for check in checks:
        check(make(rule, numpy_output=numpy_output))


@pytest.mark.parametrize("checks, mistake", [
    (CAM, make("cam", relu=False)), (CAM, make("cam", normalise=False)), (CAM, make("cam", predicted=True)),
    (GRADCAM, make("gradcam", relu=False)), (GRADCAM, make("gradcam", abs_gradients=True)),
    (GRADCAM, make("gradcam", predicted=True)), (GRADCAM, make("gradcam", probability=True)),
    (PLUSPLUS, make("gradcam")), (PLUSPLUS, make("plusplus", relu=False)),
    (PLUSPLUS, make("plusplus", normalise=False)),
], ids=["CAM without ReLU", "CAM not normalised", "CAM predicted class", "Grad-CAM without ReLU",
        "Grad-CAM absolute gradients", "Grad-CAM predicted class", "Grad-CAM softmax",
        "plain Grad-CAM as Grad-CAM++", "Grad-CAM++ without ReLU", "Grad-CAM++ not normalised"])
def test_typical_mistakes_fail(checks, mistake):
    for check in checks:
        with pytest.raises(AssertionError, match="differs|returned values|shape"):
            check(mistake)


def test_the_layer_before_the_activation_fails():
    wrong = make("gradcam")

    def before_activation(model, x, class_idx, layer=None):
        return wrong(model, x, class_idx, "conv3" if layer is None else layer)

    with pytest.raises(AssertionError, match="differs"):
        checker("test_compute_gradcam_hidden_mnist")(before_activation)


def test_train_mode_fails_on_the_imagenet_model():
    with pytest.raises(AssertionError, match="differs|changed the model"):
        checker("test_compute_gradcam_hidden_imagenet")(make("gradcam", eval_mode=False))


def test_cheating_fails():
    def calls_pytorch_grad_cam(model, x, class_idx, layer=None):
        from pytorch_grad_cam import GradCAM
        from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

        with GradCAM(model=model.eval(), target_layers=[resolve_layer(model, layer)]) as cam:
            return cam(input_tensor=x, targets=[ClassifierOutputTarget(class_idx)])[0]

    def calls_captum(model, x, class_idx, layer=None):
        from captum.attr import LayerGradCam

        attribution = LayerGradCam(model.eval(), resolve_layer(model, layer)).attribute(x, target=class_idx)
        return finish(attribution[0].sum(0).detach())

    correct = make("gradcam")
    for cheat, message in ((cheats.calls_the_answer_key("gradcam", pick=lambda maps: maps[0]), "answer key"),
                           (calls_pytorch_grad_cam, "pytorch-grad-cam"), (calls_captum, "Captum"),
                           (make("gradcam", keep_hook=True), "hook"), (cheats.leaves_a_hook(correct), "hook"),
                           (cheats.mutates_the_input(correct), "modified its input"),
                           (cheats.mutates_the_model(correct), "changed the model")):
        with pytest.raises(AssertionError, match=message):
            checker("test_compute_gradcam_hidden_mnist")(cheat)


def smoothgrad(explain, model, x, class_idx, n_samples=25, noise_std=0.1):
    results = [torch.as_tensor(explain(model, x + noise_std * torch.randn_like(x), class_idx))
               for _ in range(n_samples)]
    return torch.stack(results).mean(0).numpy()


def make_smoothgrad(reduce="mean", noise=lambda x, s: s * torch.randn_like(x), fixed_n=None, pass_class=True,
                    mutate=False):
    def wrong(explain, model, x, class_idx, n_samples=25, noise_std=0.1):
        n = fixed_n or n_samples
        if mutate:
            x += 0
            x.add_(noise(x, noise_std))
        results = [torch.as_tensor(explain(model, x + noise(x, noise_std), class_idx if pass_class else 0))
                   for _ in range(n)]
        stacked = torch.stack(results)
        return stacked.sum(0) if reduce == "sum" else stacked.mean(0)

    return wrong


SMOOTHGRAD = [checker("test_smoothgrad_hidden_mean"), checker("test_smoothgrad_hidden_defaults")]


@pytest.mark.parametrize("check", SMOOTHGRAD)
def test_a_correct_smoothgrad_passes(check):
    check(smoothgrad)


@pytest.mark.parametrize("mistake", [
    make_smoothgrad(reduce="sum"), make_smoothgrad(noise=lambda x, s: s ** 2 * torch.randn_like(x)),
    make_smoothgrad(fixed_n=10), make_smoothgrad(noise=lambda x, s: torch.zeros_like(x)),
    make_smoothgrad(pass_class=False), make_smoothgrad(mutate=True),
    make_smoothgrad(noise=lambda x, s: s * torch.rand_like(x)),
], ids=["sum", "variance as std", "ignores n_samples", "no noise", "class not passed", "mutates x",
        "uniform noise with mean s/2"])
def test_smoothgrad_mistakes_fail(mistake):
    failures = 0
    for check in SMOOTHGRAD:
        try:
            check(mistake)
        except AssertionError:
            failures += 1
    assert failures >= 1


def test_smoothgrad_mistakes_that_every_check_catches():
    for mistake in (make_smoothgrad(reduce="sum"), make_smoothgrad(fixed_n=10), make_smoothgrad(pass_class=False)):
        for check in SMOOTHGRAD:
            with pytest.raises(AssertionError):
                check(mistake)


def smoothgrad_one_draw_reused(explain, model, x, class_idx, n_samples=25, noise_std=0.1):
    eps = noise_std * torch.randn_like(x)  # drawn once, before the loop: every sample sees the same noise
    return torch.stack([torch.as_tensor(explain(model, x + eps, class_idx)) for _ in range(n_samples)]).mean(0)


def smoothgrad_reseeded_each_sample(explain, model, x, class_idx, n_samples=25, noise_std=0.1):
    maps = []
    for _ in range(n_samples):
        torch.manual_seed(0)  # the same seed before every draw: the same noise every time
        maps.append(torch.as_tensor(explain(model, x + noise_std * torch.randn_like(x), class_idx)))
    return torch.stack(maps).mean(0)


@pytest.mark.parametrize("check", SMOOTHGRAD + [checker("test_smoothgrad_form")])
@pytest.mark.parametrize("mistake", [smoothgrad_one_draw_reused, smoothgrad_reseeded_each_sample],
                         ids=["one draw reused", "re-seeded per sample"])
def test_smoothgrad_with_the_same_noise_for_every_sample_fails(check, mistake):
    """SmoothGrad averages over independent draws; the noise's spread and mean alone look right here."""
    with pytest.raises(AssertionError, match="two samples got the same noise"):
        check(mistake)


def test_a_seeded_smoothgrad_that_draws_fresh_noise_per_sample_passes():
    """Seeding once, before the loop, is a student's own style, not a mistake."""
    def smoothgrad(explain, model, x, class_idx, n_samples=25, noise_std=0.1):
        generator = torch.Generator().manual_seed(1234)
        maps = [torch.as_tensor(explain(model, x + noise_std * torch.randn(x.shape, generator=generator), class_idx))
                for _ in range(n_samples)]
        return torch.stack(maps).mean(0)

    for check in SMOOTHGRAD + [checker("test_smoothgrad_form")]:
        check(smoothgrad)


def test_stubs_fail():
    for check in CAM + GRADCAM + PLUSPLUS + SMOOTHGRAD:
        with pytest.raises(AssertionError, match="not implemented"):
            check(cheats.stub)


def test_a_smoothgrad_that_mutates_its_input_cannot_poison_the_cached_digits():
    from utils.data import load_mnist

    before = load_mnist().x_test.clone()
    with pytest.raises(AssertionError, match="smoothgrad modified its input"):
        checker("test_smoothgrad_hidden_mean")(make_smoothgrad(mutate=True))
    assert torch.equal(load_mnist().x_test, before)


def test_a_correct_unseeded_smoothgrad_always_passes_the_small_visible_case():
    """7 samples of 8x8 noise: the spread and mean tolerances follow the sample size, so honest draws never fail."""
    def smoothgrad(explain, model, x, class_idx, n_samples=25, noise_std=0.1):
        maps = [torch.as_tensor(explain(model, x + noise_std * torch.randn_like(x), class_idx))
                for _ in range(n_samples)]
        return torch.stack(maps).mean(0)

    for _ in range(25):
        checker("test_smoothgrad_form")(smoothgrad)
