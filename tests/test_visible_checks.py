"""The visible tests catch the mistakes their messages name, before grading (issue 10).

Each mistake a student made that passed a visible test and was caught only at grading time is
written here as a function; the visible check of its stage (a helper of ``utils.checks`` that the
notebook's test cell calls) must fail on it with a message that names the cause, and pass a
correct solution. No answer key is involved: the checks use closed forms on small models.
"""

from __future__ import annotations

import re

import pytest
import torch
from torch import nn

from utils import checks
from utils.hooks import feature_maps_and_gradients

from .student_style import make_counter


# --- stage 01 and 02: the linear model -----------------------------------------------------------

def make_gradient(probability=False, absolute=False, predicted=False, times_input=False):
    def explain(model, input_tensor, target_class):
        model.eval()
        x = input_tensor.clone().detach().requires_grad_(True)
        out = model(x)
        if predicted:
            target_class = int(out.argmax())
        score = (out.softmax(dim=1) if probability else out)[0, target_class]
        (gradient,) = torch.autograd.grad(score, x)
        result = gradient * input_tensor if times_input else gradient
        return result.abs() if absolute else result

    return explain


def test_the_linear_check_passes_correct_gradients():
    checks.check_on_linear_model(make_gradient(), "vanilla_gradients")
    checks.check_on_linear_model(make_gradient(times_input=True), "gradient_x_input", times_input=True)


@pytest.mark.parametrize("mistake, message", [
    (make_gradient(probability=True), "gradient of the softmax probability, not of the logit"),
    (make_gradient(absolute=True), "absolute value"),
    (make_gradient(predicted=True), "predicted class"),
    (make_gradient(times_input=True), "Gradient × Input"),
], ids=["softmax", "absolute", "predicted class", "times input"])
def test_stage01_mistakes_fail_the_linear_check(mistake, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_on_linear_model(mistake, "vanilla_gradients")


@pytest.mark.parametrize("mistake, message", [
    (make_gradient(probability=True, times_input=True), "softmax probability"),
    (make_gradient(), "plain gradient: multiply it by the input"),
], ids=["softmax", "no input factor"])
def test_stage02_mistakes_fail_the_linear_check(mistake, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_on_linear_model(mistake, "gradient_x_input", times_input=True)


# --- stage 03: the trapezoid rule, the baseline and the batches -----------------------------------

def make_ig(rule="trapezoid", use_baseline=True, difference=True, batches="honest", default_batch=8):
    """IG over the path k/S; ``batches``: "honest", "ignored" (all points at once) or "restart" (weights per batch)."""

    def integrated_gradients(model, input_tensor, target_class, baseline=None, steps=50, batch_size=None):
        model.eval()
        x = input_tensor.detach()
        b = torch.zeros_like(x) if baseline is None or not use_baseline else baseline.detach()
        alphas = torch.arange(steps + 1, dtype=x.dtype) / steps
        weights = {"trapezoid": torch.cat([torch.tensor([0.5]), torch.ones(steps - 1), torch.tensor([0.5])]) / steps,
                   "left": torch.cat([torch.ones(steps), torch.zeros(1)]) / steps,
                   "mean": torch.ones(steps + 1) / (steps + 1)}[rule].to(x.dtype)
        size = steps + 1 if batches == "ignored" else (batch_size or default_batch)
        total = torch.zeros_like(x)
        for start in range(0, steps + 1, size):
            a, w = alphas[start:start + size], weights[start:start + size]
            if batches == "restart":
                w = weights[:len(a)]
            path = (b + a.view(-1, 1, 1, 1) * (x - b)).requires_grad_(True)
            (g,) = torch.autograd.grad(model(path)[:, target_class].sum(), path)
            total = total + (w.view(-1, 1, 1, 1) * g).sum(0, keepdim=True)
        return (x - b) * total if difference else total

    return integrated_gradients


def test_the_ig_checks_pass_the_trapezoid():
    checks.check_ig_on_cubic_model(make_ig())
    checks.check_ig_batches(make_ig())


@pytest.mark.parametrize("mistake, message", [
    (make_ig(rule="left"), "left Riemann sum"),
    (make_ig(rule="mean"), "plain mean over the S\\+1 points"),
    (make_ig(use_baseline=False), "zero baseline although a baseline was passed"),
    (make_ig(difference=False), "without the \\(input - baseline\\) factor"),
], ids=["left Riemann", "plain mean", "baseline ignored", "no (x - x') factor"])
def test_stage03_mistakes_fail_the_cubic_check(mistake, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_ig_on_cubic_model(mistake)


@pytest.mark.parametrize("mistake, message", [
    (make_ig(batches="ignored"), "path points through the model at once; send at most 3"),
    (make_ig(default_batch=51), "batch_size=None \\(the default, at most 8"),
    (make_ig(batches="restart"), "weighted by their position k in the whole path"),
], ids=["batch_size ignored", "default all at once", "weights restart in every batch"])
def test_stage03_batching_mistakes_fail(mistake, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_ig_batches(mistake)


def test_an_ig_without_batch_size_is_told_to_add_it():
    def no_batches(model, input_tensor, target_class, baseline=None, steps=50):
        return make_ig()(model, input_tensor, target_class, baseline, steps)

    with pytest.raises(AssertionError, match="no `batch_size` argument"):
        checks.check_ig_batches(no_batches)


# --- stage 04: the blur baseline, by what it must be ---------------------------------------------------

@pytest.fixture(scope="module")
def chelsea():
    from utils.data import load_photo

    return load_photo("chelsea").tensor[None]


@pytest.mark.parametrize("kernel, sigma", [(31, 10.0), (21, 5.0), (61, 20.0)])
def test_the_blur_check_passes_heavy_gaussian_blurs(chelsea, kernel, sigma):
    from torchvision.transforms.functional import gaussian_blur

    checks.check_blur_baseline(gaussian_blur(chelsea, [kernel, kernel], [sigma, sigma]), chelsea)
    checks.check_blur_baseline(gaussian_blur(chelsea, [kernel, kernel], [sigma, sigma])[0].numpy(), chelsea)


@pytest.mark.parametrize("blur, message", [
    (lambda x: __import__("torchvision").transforms.functional.gaussian_blur(x, [5, 5], [10.0, 10.0]),
     "keeps .* fine detail.* a kernel wide enough"),
    (lambda x: x.clone(), "keeps 100% of the photo's fine detail"),
    (lambda x: x.mean(dim=(2, 3), keepdim=True).expand_as(x), "no longer shows where things are"),
    (lambda x: (x + 1) / 2, "changes the photo's mean colour"),
    (lambda x: 2 * x, "leaves the model's input range"),
], ids=["5x5 kernel", "no blur", "mean colour", "rescaled to [0, 1]", "out of range"])
def test_blur_mistakes_fail_the_visible_check(chelsea, blur, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_blur_baseline(blur(chelsea), chelsea)


# --- stage 05: Captum configured as the trapezoid ---------------------------------------------------

def make_captum_ig(method="riemann_trapezoid", points=lambda s: s + 1, factor=True, use_baseline=True):
    from captum.attr import IntegratedGradients

    def captum_integrated_gradients(model, input_tensor, target_class, baseline=None, steps=50):
        model.eval()
        x = input_tensor.detach()
        b = torch.zeros_like(x) if baseline is None or not use_baseline else baseline.detach()
        n = points(steps)
        kwargs = {} if method is None else {"method": method}
        result = IntegratedGradients(model).attribute(x, baselines=b, target=target_class, n_steps=n, **kwargs)
        return result * (steps + 1) / steps if factor else result

    return captum_integrated_gradients


def test_the_cubic_check_passes_captum_configured_as_the_trapezoid():
    checks.check_ig_on_cubic_model(make_captum_ig(), "captum_integrated_gradients")


@pytest.mark.parametrize("mistake, message", [
    (make_captum_ig(use_baseline=False), "zero baseline although a baseline was passed"),
    (make_captum_ig(method=None, points=lambda s: 50, factor=False), "Gauss-Legendre"),
    (make_captum_ig(factor=False), "multiply by \\(steps \\+ 1\\) / steps"),
    (make_captum_ig(points=lambda s: s), "S points instead of S\\+1"),
    (make_captum_ig(method="riemann_left", points=lambda s: s, factor=False), "left Riemann sum"),
], ids=["baseline ignored", "default method", "no factor", "n_steps=steps", "riemann_left"])
def test_stage05_mistakes_fail_the_cubic_check(mistake, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_ig_on_cubic_model(mistake, "captum_integrated_gradients")


# --- stage 06: the CAM family and SmoothGrad ---------------------------------------------------------

def make_cam(rule, relu=True, absolute=False, relu_g=True, epsilon=0.0):
    def explain(model, x, class_idx, layer=None):
        A, g = feature_maps_and_gradients(model, x, class_idx, layer)
        if absolute:
            g = g.abs()
        if rule == "cam":
            weights = [m for m in model.modules() if isinstance(m, nn.Linear)][-1].weight.detach()[class_idx]
            weights = weights.abs() if absolute else weights
        elif rule == "gradcam":
            weights = g.mean(dim=(1, 2))
        else:
            d = 2 * g ** 2 + A.sum(dim=(1, 2), keepdim=True) * g ** 3 + epsilon
            alpha = torch.where(d != 0, g ** 2 / torch.where(d != 0, d, torch.ones_like(d)), torch.zeros_like(d))
            weights = (alpha * (torch.relu(g) if relu_g else g)).sum(dim=(1, 2))
        cam = torch.einsum("k,khw->hw", weights, A)
        cam = torch.relu(cam) if relu else cam
        cam = cam - cam.min()
        return cam / cam.max() if cam.max() > 0 else cam

    return explain


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


# --- stage 07: counting MACs, and the cost table ------------------------------------------------------

def test_the_mac_check_passes_a_correct_count():
    checks.check_mac_count(make_counter())


@pytest.mark.parametrize("mistake, message", [
    (make_counter(groups=False), "ignores `groups`"), (make_counter(linear=False), "hook torch.nn.Linear too"),
    (make_counter(input_size_everywhere=True), "use each layer's own output size"),
    (make_counter(once_per_module=True), "module used twice only once"), (make_counter(per_mac=2), "counts FLOPs"),
], ids=["groups forgotten", "Linear forgotten", "input size everywhere", "first call only", "FLOPs"])
def test_stage07_counting_mistakes_fail(mistake, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_mac_count(mistake)


def cost_multipliers(steps, n_samples, ig_points=lambda s: s + 1, backward=2):
    per = 1 + backward
    ig = per * ig_points(steps)
    return {"CAM": 1, "Grad-CAM": per, "Grad-CAM++": per, "Integrated Gradients": ig, "SmoothGrad + IG": n_samples * ig,
            "SmoothGrad + Grad-CAM": per * n_samples, "SmoothGrad + Grad-CAM++": per * n_samples}


def test_the_cost_check_passes_the_table():
    checks.check_cost_multipliers(cost_multipliers(50, 25), 50, 25)


@pytest.mark.parametrize("costs, message", [
    (cost_multipliers(50, 25, ig_points=lambda s: s), "the trapezoid rule evaluates S \\+ 1"),
    (cost_multipliers(50, 25, backward=1), "counts a backward pass as one forward pass"),
], ids=["IG as 3S", "backward = 1 forward"])
def test_stage07_cost_mistakes_fail(costs, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_cost_multipliers(costs, 50, 25)


# --- stage 05: Captum's own result, the defaults and eval mode ------------------------------------------

def make_captum_ig_extra(by_hand=False, eval_mode=True, default_steps=50, zero_default=True):
    """Captum configured as the trapezoid, written another way (NumPy result), each extra mistake a switch."""
    from captum.attr import IntegratedGradients

    def captum_integrated_gradients(model, input_tensor, target_class, baseline=None, steps=default_steps):
        if eval_mode:
            model.eval()
        x = input_tensor.detach()
        if baseline is None:
            baseline = torch.zeros_like(x) if zero_default else torch.full_like(x, -1.0)
        ig = IntegratedGradients(model)
        result = ig.attribute(x, baselines=baseline, target=target_class, n_steps=steps + 1,
                              method="riemann_trapezoid") * ((steps + 1) / steps)
        if by_hand:  # Captum called for show, the answer computed by hand
            ig.attribute(x, baselines=baseline, target=target_class)
            result = make_ig()(model, input_tensor, target_class, baseline, steps)
        return result.detach().numpy()

    return captum_integrated_gradients


def test_the_captum_checks_pass_a_numpy_solution():
    checks.check_captum_integrated_gradients(make_captum_ig_extra())
    checks.check_captum_integrated_gradients(make_captum_ig())
    checks.check_ig_on_cubic_model(make_captum_ig_extra(), "captum_integrated_gradients")


@pytest.mark.parametrize("mistake, message", [
    (make_captum_ig_extra(by_hand=True), "does not return its attributions"),
    (make_ig(), "did not call IntegratedGradients"),
    (make_captum_ig_extra(eval_mode=False), "call model.eval\\(\\) first"),
    (make_captum_ig_extra(default_steps=20), "the defaults are baseline=None \\(zeros shaped like the input\\) and "
                                              "steps=50"),
    (make_captum_ig_extra(zero_default=False), "the defaults are baseline=None"),
    (make_captum_ig_extra(default_steps=41), "the defaults are baseline=None"),
    (make_captum_ig_extra(default_steps=70), "the defaults are baseline=None"),
], ids=["IG by hand, Captum thrown away", "no Captum", "no eval()", "default steps 20", "default baseline -1",
        "default steps 41", "default steps 70"])
def test_stage05_extra_mistakes_fail(mistake, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_captum_integrated_gradients(mistake)


@pytest.mark.parametrize("default_steps", [20, 45, 60])
def test_a_wrong_default_is_told_in_numbers_that_show_it(default_steps):
    """The distance is small (a sum over 20 to 70 points is close to one over 51): a percentage with one decimal
    printed it as "by 0.0%", which reads as no difference at all."""
    with pytest.raises(AssertionError) as failure:
        checks.check_captum_integrated_gradients(make_captum_ig_extra(default_steps=default_steps))
    message = str(failure.value)
    assert "0.0%" not in message and "0.0 %" not in message, message
    assert re.search(r"relative L2 distance [1-9]\.\d+e-\d\d", message), message


# --- stage 08: randomize_layers -------------------------------------------------------------------------

def make_randomizer(copy_model=True, layer_kind="own", seed_each=True, fork=True, zero_bug=False, check_range=True):
    """``layer_kind``: "own" (parameters(recurse=False)), "conv_linear" (isinstance), "recursive" (parameters())."""
    import copy

    def randomize_layers(model, n_layers, seed=0):
        out = copy.deepcopy(model) if copy_model else model
        if layer_kind == "own":
            layers = [m for m in out.modules() if list(m.parameters(recurse=False))]
        elif layer_kind == "conv_linear":
            layers = [m for m in out.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
        else:
            layers = [m for m in out.modules() if list(m.parameters())]
        if check_range and not 0 <= n_layers <= len(layers):
            raise ValueError(f"n_layers must be in 0..{len(layers)}")
        chosen = layers[-n_layers:] if zero_bug else layers[len(layers) - n_layers:]

        def draw():
            if not seed_each:
                torch.manual_seed(seed)
            for layer in reversed(chosen):
                if seed_each:
                    torch.manual_seed(seed)
                layer.reset_parameters()

        if fork:
            with torch.random.fork_rng():
                draw()
        else:
            draw()
        return out

    return randomize_layers


def test_the_randomize_check_passes_a_correct_solution():
    checks.check_randomize_layers(make_randomizer())


def test_the_randomize_check_passes_the_bottom_up_order_and_named_modules():
    import copy

    def randomize_layers(model, n_layers, seed=0):
        named = [(n, m) for n, m in model.named_modules() if next(m.parameters(recurse=False), None) is not None]
        if n_layers < 0 or n_layers > len(named):
            raise ValueError("out of range")
        out = copy.deepcopy(model)
        state = torch.random.get_rng_state()
        for n, _ in named[len(named) - n_layers:]:  # input side first: the order does not matter
            torch.manual_seed(seed)
            out.get_submodule(n).reset_parameters()
        torch.random.set_rng_state(state)
        return out

    checks.check_randomize_layers(randomize_layers)


@pytest.mark.parametrize("mistake, message", [
    (make_randomizer(copy_model=False), "changed the original model"),
    (make_randomizer(layer_kind="conv_linear"), "A batch norm counts"),
    (make_randomizer(layer_kind="conv_linear", check_range=False), "the batch norm was skipped"),
    (make_randomizer(layer_kind="recursive", check_range=False), "a container .* was counted as a layer"),
    (make_randomizer(seed_each=False), "Seed before each layer"),
    (make_randomizer(fork=False), "changed the caller's random state"),
    (make_randomizer(zero_bug=True), "layers\\[-0:\\] is the whole list"),
    (make_randomizer(check_range=False), "outside 0..4 is an error"),
], ids=["no copy", "Conv/Linear only", "Conv/Linear only, no range check", "containers counted", "seed once", "no fork_rng", "layers[-0:]",
        "no range check"])
def test_randomize_layers_mistakes_fail(mistake, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_randomize_layers(mistake)


def test_returning_the_model_itself_at_zero_fails():
    def randomize_layers(model, n_layers, seed=0):
        return model if n_layers == 0 else make_randomizer()(model, n_layers, seed)

    with pytest.raises(AssertionError, match="returned the model itself"):
        checks.check_randomize_layers(randomize_layers)


# --- stage 08: rank_correlation ------------------------------------------------------------------------

def make_rank_correlation(pearson=False, signed=False, always_abs=False, ordinal=False, guard="both",
                          numpy_only=False, nan_check=True):
    """Spearman via average ranks written by hand; ``guard``: "both", "a" (only map_a checked), "before_abs"."""
    import numpy as np

    def ranks(v):
        if ordinal:
            return np.argsort(np.argsort(v, kind="stable"), kind="stable").astype(float) + 1
        order = np.sort(v)
        return (np.searchsorted(order, v, "left") + np.searchsorted(order, v, "right") + 1) / 2

    def rank_correlation(map_a, map_b, absolute=True):
        if numpy_only:
            a, b = np.array(map_a.tolist()).ravel(), map_b.numpy().ravel()
        else:
            a = (map_a.detach().numpy() if isinstance(map_a, torch.Tensor) else np.asarray(map_a)).astype(float).ravel()
            b = (map_b.detach().numpy() if isinstance(map_b, torch.Tensor) else np.asarray(map_b)).astype(float).ravel()
        if nan_check and not (np.isfinite(a).all() and np.isfinite(b).all()):
            raise ValueError("NaN")
        if guard == "before_abs" and (a.std() == 0 or b.std() == 0):
            return 0.0
        if (absolute and not signed) or always_abs:
            a, b = np.abs(a), np.abs(b)
        if guard == "both" and (a.std() == 0 or b.std() == 0):
            return 0.0
        if guard == "a" and a.std() == 0:
            return 0.0
        ra, rb = (a, b) if pearson else (ranks(a), ranks(b))
        ra, rb = ra - ra.mean(), rb - rb.mean()
        return float((ra * rb).sum() / np.sqrt((ra ** 2).sum() * (rb ** 2).sum()))

    return rank_correlation


def test_the_rank_check_passes_correct_solutions():
    import numpy as np
    import scipy.stats

    checks.check_rank_correlation(make_rank_correlation())

    def with_scipy(map_a, map_b, absolute=True):
        a = np.asarray(torch.as_tensor(np.asarray(map_a), dtype=torch.float64)).ravel()
        b = np.asarray(torch.as_tensor(np.asarray(map_b), dtype=torch.float64)).ravel()
        if not (np.isfinite(a).all() and np.isfinite(b).all()):
            raise ValueError("NaN in a map")
        a, b = (np.abs(a), np.abs(b)) if absolute else (a, b)
        if np.ptp(a) == 0 or np.ptp(b) == 0:
            return 0.0
        return float(scipy.stats.spearmanr(a, b)[0])

    checks.check_rank_correlation(with_scipy)


def test_the_hand_worked_correlations_are_spearmans():
    """The expected values of the visible checks, worked out by hand, against SciPy."""
    import numpy as np
    import scipy.stats

    for a, b, absolute, rho, _ in checks.RANK_CASES:
        a, b = np.ravel(a), np.ravel(b)
        if absolute:
            a, b = np.abs(a), np.abs(b)
        assert scipy.stats.spearmanr(a, b)[0] == pytest.approx(rho, abs=1e-12)
    maps = [np.abs(m) for m in checks.CASCADE_MAPS]
    assert [scipy.stats.spearmanr(maps[0], m)[0] for m in maps[1:]] == pytest.approx(checks.CASCADE_RHO, abs=1e-12)


@pytest.mark.parametrize("mistake, message", [
    (make_rank_correlation(signed=True), "correlation of the signed maps"),
    (make_rank_correlation(always_abs=True), "with absolute=False compare the signed maps"),
    (make_rank_correlation(pearson=True), "Pearson's correlation of the values"),
    (make_rank_correlation(ordinal=True), "tied values got different ranks"),
    (make_rank_correlation(guard="a"), "map_b constant.*return 0.0"),
    (make_rank_correlation(guard="before_abs"), "constant after taking absolute values.*return 0.0"),
    (make_rank_correlation(numpy_only=True), "accept tensors and NumPy arrays alike"),
    (make_rank_correlation(nan_check=False), "raise ValueError"),
], ids=["signed by default", "absolute=False ignored", "Pearson", "ordinal ranks", "guard on map_a only",
        "guard before |.|", "tensors only", "NaN accepted"])
def test_rank_correlation_mistakes_fail(mistake, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_rank_correlation(mistake)


# --- stage 08: the cascade -------------------------------------------------------------------------------

def make_cascade(rank=None, randomize=None, consecutive=False, cumulative=False):
    import numpy as np

    def model_randomization_test(explain, model, x, target, layers):
        correlate = rank or make_rank_correlation()
        randomizer = randomize or make_randomizer()
        trained = explain(model, x, target)
        previous, current, curve = trained, model, []
        for k in layers:
            current = randomizer(current, 1) if cumulative else randomizer(model, k)
            new = explain(current, x, target)
            curve.append(correlate(previous if consecutive else trained, new))
            previous = new
        return torch.tensor(curve) if not consecutive else np.array(curve)

    return model_randomization_test


def bottom_up_randomizer(model, n_layers, seed=0):
    """Re-initialises the bottom n_layers layers (input side) instead of the top ones."""
    import copy

    out = copy.deepcopy(model)
    for layer in [m for m in out.modules() if list(m.parameters(recurse=False))][:n_layers]:
        torch.manual_seed(seed)
        layer.reset_parameters()
    return out


def test_the_cascade_check_passes_a_correct_solution():
    checks.check_model_randomization_test(make_cascade())


@pytest.mark.parametrize("mistake, message", [
    (make_cascade(rank=make_rank_correlation(pearson=True)), "Pearson's correlation of \\|map\\|"),
    (make_cascade(rank=make_rank_correlation(signed=True)), "signed maps"),
    (make_cascade(consecutive=True), "the previous step's map"),
    (make_cascade(cumulative=True), "not a copy that is already randomised"),
    (make_cascade(randomize=bottom_up_randomizer), "randomised layers are not the top ones"),
], ids=["Pearson rank_correlation", "signed rank_correlation", "consecutive maps", "cumulative copies",
        "the bottom layers randomised"])
def test_cascade_mistakes_fail(mistake, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_model_randomization_test(mistake)


# --- stage 08: deletion and insertion ----------------------------------------------------------------------

def make_curve(insert=False, absolute=False, ascending=False, flip_ties=False, entries=False, rounding="floor",
               ignore_baseline=False, score="softmax", predicted=False, eval_mode=True, swap=False, sort="stable"):
    """``sort``: "stable", "torch" (torch.argsort(descending=True), no stable=True) or "quicksort" (NumPy's
    default): the last two are unstable, so tied scores come out in an order of the sort's own."""
    import math

    import numpy as np

    def curve(model, x, target, attribution, steps, baseline):
        if eval_mode:
            model.eval()
        a = torch.as_tensor(attribution, dtype=torch.float32)
        h, w = x.shape[-2:]
        if entries:
            scores = a.reshape(x.shape).flatten() if a.numel() == x.numel() else a.flatten()
        else:
            scores = a.reshape(-1, h, w).sum(0).flatten()
        if absolute:
            scores = scores.abs()
        if flip_ties:
            order = torch.argsort(scores, stable=True).flip(0)
        elif sort == "torch":
            order = torch.argsort(scores, descending=not ascending)
        elif sort == "quicksort":
            order = torch.from_numpy(np.argsort(-scores.numpy()))
        else:
            order = torch.argsort(scores, descending=not ascending, stable=True)
        n = scores.numel()
        reveal = insert != swap
        b = torch.zeros_like(x) if ignore_baseline else baseline
        with torch.no_grad():
            if predicted:
                target = int(model(x).argmax())
        images = []
        for k in range(steps + 1):
            count = {"floor": k * n // steps, "ceil": math.ceil(k * n / steps), "round": round(k * n / steps)}[rounding]
            chosen = torch.zeros(n, dtype=torch.bool)
            chosen[order[:count]] = True
            chosen = chosen.reshape(x.shape[1:] if entries else (h, w))
            images.append(torch.where(chosen, x[0], b[0]) if reveal else torch.where(chosen, b[0], x[0]))
        with torch.no_grad():
            logits = model(torch.stack(images))
        values = {"softmax": logits.softmax(1)[:, target], "sigmoid": torch.sigmoid(logits[:, target]),
                  "logit": logits[:, target]}[score]
        return values.numpy()

    return curve


@pytest.mark.parametrize("insert", [False, True], ids=["deletion", "insertion"])
def test_the_curve_checks_pass_correct_solutions(insert):
    checks.check_deletion_curve(make_curve(insert=insert), insert=insert)


@pytest.mark.parametrize("insert", [False, True], ids=["deletion", "insertion"])
@pytest.mark.parametrize("mistake, message", [
    (dict(absolute=True), "orders the pixels by \\|score\\|"),
    (dict(ascending=True), "takes the lowest score first"),
    (dict(flip_ties=True), "equal scores keep their row-major order"),
    (dict(entries=True), "changes single entries"),
    (dict(rounding="ceil"), "rounds n_k up"),
    (dict(rounding="round"), "rounds n_k to the nearest integer"),
    (dict(ignore_baseline=True), "take the changed pixels' values from `baseline`"),
    (dict(score="sigmoid"), "sigmoid of the target's logit"),
    (dict(score="logit"), "holds logits"),
    (dict(predicted=True), "follows the class the model predicts"),
    (dict(eval_mode=False), "Call model.eval\\(\\)"),
    (dict(swap=True), "is the other curve"),
    (dict(sort="torch"), "without stable=True"),
    (dict(sort="quicksort"), "NumPy's default sort"),
], ids=["|attribution|", "ascending", "ties reversed", "entries not pixels", "ceil", "round", "baseline ignored",
        "sigmoid", "logits", "predicted class", "train mode", "swapped", "unstable torch sort", "NumPy quicksort"])
def test_curve_mistakes_fail(mistake, message, insert):
    with pytest.raises(AssertionError, match=message):
        checks.check_deletion_curve(make_curve(insert=insert, **mistake), insert=insert)


# --- stage 08: the area under a curve ------------------------------------------------------------------

def make_area(rule="trapezoid", flatten=True, lists=True):
    import numpy as np

    def area_under_curve(curve):
        values = torch.as_tensor(np.asarray(curve), dtype=torch.float64) if lists else curve.detach().double()
        values = values.flatten() if flatten else values
        k = len(values)
        if rule == "mean":
            return float(values.mean())
        if rule == "dx1":
            return float(torch.trapezoid(values))
        if rule == "left":
            return float(values[:-1].sum() / (k - 1))
        return float(torch.trapezoid(values, dx=1.0 / (k - 1)))

    return area_under_curve


def test_the_area_check_passes_correct_solutions():
    import numpy as np

    checks.check_area_under_curve(make_area())
    checks.check_area_under_curve(lambda c: float(np.trapezoid(np.ravel(c), dx=1 / (np.asarray(c).size - 1))))


@pytest.mark.parametrize("mistake, message", [
    (make_area(rule="mean"), "mean of the points"),
    (make_area(rule="dx1"), "spacing 1 \\(the default dx\\)"),
    (make_area(rule="left"), "Riemann sum"),
    (make_area(flatten=False), "len\\(\\) of a \\(1, K\\) curve is 1"),
    (make_area(lists=False), "accept tensors, NumPy arrays and lists"),
], ids=["mean", "dx = 1", "left Riemann", "(1, K) not flattened", "lists refused"])
def test_area_mistakes_fail(mistake, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_area_under_curve(mistake)


# --- the hidden tests' messages say why, where the cause is clear -----------------------------------

def test_hidden_messages_name_the_likely_cause():
    from utils.instructor.judge import checker

    with pytest.raises(AssertionError, match="not FLOPs"):
        checker("test_count_flops_forward_hidden_custom")(make_counter(per_mac=2))
    with pytest.raises(AssertionError, match="too large: are grouped convolutions divided by `groups`"):
        checker("test_count_flops_forward_hidden_custom")(make_counter(groups=False))
    with pytest.raises(AssertionError, match="counts a backward pass as one forward pass"):
        checker("test_cost_multipliers_hidden")(lambda steps, n: cost_multipliers(steps, n, backward=1))
    with pytest.raises(AssertionError, match="counts S path points"):
        checker("test_cost_multipliers_hidden")(lambda steps, n: cost_multipliers(steps, n, ig_points=lambda s: s))
    with pytest.raises(AssertionError, match="absolute value of the expected result"):
        checker("test_vanilla_gradients_hidden_mnist")(make_gradient(absolute=True))
    with pytest.raises(AssertionError, match="times 1.5: the pattern is right and the scale is not"):
        checker("test_integrated_gradients_hidden_default_baseline")(
            lambda *args, **kwargs: 1.5 * make_ig()(*args, **kwargs))


@pytest.mark.parametrize("grade_id, mistake, message", [
    ("test_vanilla_gradients_hidden_mnist", make_gradient(probability=True), "gradient of the softmax probability"),
    ("test_gradient_x_input_hidden_imagenet", make_gradient(probability=True, times_input=True),
     "gradient of the softmax probability"),
    ("test_integrated_gradients_hidden_mnist", make_ig(rule="left"), "matches a left Riemann sum"),
    ("test_integrated_gradients_hidden_mnist", make_ig(rule="mean"), "plain mean of the gradients at the S \\+ 1"),
    ("test_integrated_gradients_hidden_mnist", make_ig(use_baseline=False), "`baseline` argument was ignored"),
    ("test_captum_integrated_gradients_hidden_mnist", make_captum_ig(use_baseline=False),
     "`baseline` argument was ignored"),
    ("test_compute_cam_hidden_imagenet", make_cam("cam", relu=False), "expected map without the ReLU"),
], ids=["vanilla of the probability", "gradient x input of the probability", "IG left Riemann", "IG plain mean",
        "IG baseline ignored", "Captum IG baseline ignored", "CAM without ReLU"])
def test_hidden_messages_name_the_classic_mistake(grade_id, mistake, message):
    """The judge compares a wrong answer with the answer key's version of each likely mistake."""
    from utils.instructor.judge import checker

    with pytest.raises(AssertionError, match=message):
        checker(grade_id)(mistake)


@pytest.mark.parametrize("grade_id, wrong, mistake_id", [
    ("test_vanilla_gradients_hidden_mnist", make_gradient(probability=True), "probability"),
    ("test_integrated_gradients_hidden_mnist", make_ig(rule="left"), "left_riemann"),
    ("test_integrated_gradients_hidden_mnist", make_ig(rule="mean"), "mean_of_points"),
    ("test_captum_integrated_gradients_hidden_mnist", make_captum_ig(use_baseline=False), "zero_baseline"),
    ("test_compute_cam_hidden_imagenet", make_cam("cam", relu=False), "no_relu"),
    ("test_vanilla_gradients_hidden_mnist", make_gradient(absolute=True), "absolute_value"),
    ("test_integrated_gradients_hidden_default_baseline", lambda *a, **k: 1.5 * make_ig()(*a, **k), "wrong_scale"),
    ("test_vanilla_gradients_hidden_mnist", make_gradient(), None),
], ids=["probability", "left Riemann", "plain mean", "baseline ignored", "no ReLU", "absolute", "scale", "correct"])
def test_the_verdict_names_the_mistake_by_its_id(grade_id, wrong, mistake_id):
    """The verdict a class report counts: the mistake's stable id beside the message that names its cause."""
    from utils.instructor.judge import judge_function
    from utils.instructor.judge.mistakes import mistake

    verdict = judge_function(grade_id, wrong)
    if mistake_id is None:
        assert verdict.passed and verdict.mistake is None and verdict.message == ""
        return
    assert (verdict.outcome, verdict.mistake) == ("wrong", mistake_id)
    assert mistake(mistake_id).cause.split(":")[0].lower()[:30] in verdict.message.lower()


def test_a_stub_and_an_error_are_their_own_outcomes():
    from utils.instructor.judge import judge_function

    def stub(model, input_tensor, target_class):
        raise NotImplementedError()

    def broken(model, input_tensor, target_class):
        return model(input_tensor)[0, 10 ** 6]

    assert judge_function("test_vanilla_gradients_hidden_mnist", stub).outcome == "stub"
    assert judge_function("test_vanilla_gradients_hidden_mnist", broken).outcome == "error"


def test_every_mistake_a_hidden_test_lists_is_one_the_answer_key_computes():
    from utils.instructor.judge.mistakes import MISTAKES
    from utils.recording._cases import REGISTRY, load_all_stages

    load_all_stages()
    computed = {name for name, m in MISTAKES.items() if m.compute is not None}
    listed = {name for test in REGISTRY.values() for name in test.mistakes}
    assert listed and listed <= computed, sorted(listed - computed)
    assert computed <= listed, f"mistakes no hidden test uses: {sorted(computed - listed)}"


def test_every_mistake_a_rule_names_is_defined():
    """Rules name mistakes by id (``Failure(..., mistake="id")``, ``mistake("id").cause``); an id missing from
    MISTAKES would only fail when a student first made that mistake, at grading. Read from the source of every rule
    module, every path."""
    import ast
    from pathlib import Path

    from utils.instructor.judge import rules
    from utils.instructor.judge.mistakes import MISTAKES

    modules = sorted(Path(rules.__file__).parent.glob("*.py"))
    named = set()
    for node in (node for path in modules for node in ast.walk(ast.parse(path.read_text()))):
        if isinstance(node, ast.keyword) and node.arg == "mistake":
            named |= {c.value for c in ast.walk(node.value) if isinstance(c, ast.Constant) and isinstance(c.value, str)}
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "mistake":
            named |= {a.value for a in node.args if isinstance(a, ast.Constant)}
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "found" for t in node.targets):
            named |= {c.value for c in ast.walk(node.value) if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    assert len(named) >= 15, sorted(named)
    assert named <= set(MISTAKES), sorted(named - set(MISTAKES))


# --- each notebook's visible test calls the helper tested above, on the student's function -------------

VISIBLE_HELPERS = {
    "test_vanilla_gradients_form": [("check_on_linear_model", "vanilla_gradients")],
    "test_gradient_x_input_form": [("check_on_linear_model", "gradient_x_input")],
    "test_integrated_gradients_form": [("check_ig_on_cubic_model", "integrated_gradients"),
                                       ("check_ig_batches", "integrated_gradients")],
    "test_make_baseline_form": [("check_blur_baseline", "make_baseline")],
    "test_captum_integrated_gradients_form": [("check_ig_on_cubic_model", "captum_integrated_gradients"),
                                              ("check_captum_integrated_gradients", "captum_integrated_gradients")],
    "test_compute_cam_form": [("check_cam_on_two_squares", "compute_cam")],
    "test_compute_gradcam_form": [("check_cam_on_two_squares", "compute_gradcam")],
    "test_compute_gradcam_plusplus_form": [("check_cam_on_two_squares", "compute_gradcam_plusplus"),
                                           ("check_same_map_on_equivalent_model", "compute_gradcam_plusplus")],
    "test_smoothgrad_form": [("check_fresh_noise", "calls")],
    "test_count_flops_forward_form": [("check_mac_count", "count_flops_forward")],
    "test_cost_multipliers_form": [("check_cost_multipliers", "costs")],
    "test_randomize_layers_form": [("check_randomize_layers", "randomize_layers")],
    "test_rank_correlation_form": [("check_rank_correlation", "rank_correlation")],
    "test_model_randomization_test_form": [("check_model_randomization_test", "model_randomization_test")],
    "test_deletion_curve_form": [("check_deletion_curve", "deletion_curve")],
    "test_insertion_curve_form": [("check_deletion_curve", "insertion_curve")],
    "test_area_under_curve_form": [("check_area_under_curve", "area_under_curve")],
}


def released_test_cells() -> dict:
    """{grade_id: source} of every graded code cell of the student release (hidden tests stripped)."""
    import nbformat

    from utils.instructor.paths import RELEASE, stages

    cells = {}
    for stage in stages():
        for cell in nbformat.read(str(RELEASE / stage / f"{stage}.ipynb"), as_version=4).cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if cell.cell_type == "code" and grade_id:
                cells[grade_id] = cell.source
    return cells


def helper_calls(source: str, helper: str) -> list:
    import ast

    return [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and node.func.attr == helper
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "checks"]


@pytest.mark.parametrize("grade_id", sorted(VISIBLE_HELPERS))
def test_the_notebook_runs_the_visible_check_on_the_students_function(grade_id):
    """The mistakes above fail in the notebook itself, not only here: its visible test cell (as released to
    students) calls each helper with the student's function (or what it returned) among the arguments."""
    import ast

    source = released_test_cells()[grade_id]
    for helper, argument in VISIBLE_HELPERS[grade_id]:
        calls = helper_calls(source, helper)
        assert calls, f"{grade_id}: the released test cell never calls checks.{helper}"
        assert any(isinstance(node, ast.Name) and node.id == argument
                   for call in calls for arg in call.args for node in ast.walk(arg)), \
            f"{grade_id}: checks.{helper} is called, but not on {argument}"
