"""The visible tests catch the mistakes their messages name, before grading (issue 10).

Each mistake a student made that passed a visible test and was caught only at grading time is
written here as a function; the visible check of its stage (a helper of ``utils.checks`` that the
notebook's test cell calls) must fail on it with a message that names the cause, and pass a
correct solution. No answer key is involved: the checks use closed forms on small models.
"""

from __future__ import annotations

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


def test_every_mistake_a_hidden_test_lists_is_defined():
    from utils.instructor.judge.mistakes import MISTAKES
    from utils.recording._cases import REGISTRY, load_all_stages

    load_all_stages()
    listed = {name for test in REGISTRY.values() for name in test.mistakes}
    assert listed and listed <= set(MISTAKES), sorted(listed - set(MISTAKES))
    assert set(MISTAKES) <= listed, f"mistakes no hidden test uses: {sorted(set(MISTAKES) - listed)}"


# --- each notebook's visible test calls the helper tested above, on the student's function -------------

VISIBLE_HELPERS = {
    "test_vanilla_gradients_form": [("check_on_linear_model", "vanilla_gradients")],
    "test_gradient_x_input_form": [("check_on_linear_model", "gradient_x_input")],
    "test_integrated_gradients_form": [("check_ig_on_cubic_model", "integrated_gradients"),
                                       ("check_ig_batches", "integrated_gradients")],
    "test_make_baseline_form": [("check_blur_baseline", "make_baseline")],
    "test_captum_integrated_gradients_form": [("check_ig_on_cubic_model", "captum_integrated_gradients")],
    "test_compute_cam_form": [("check_cam_on_two_squares", "compute_cam")],
    "test_compute_gradcam_form": [("check_cam_on_two_squares", "compute_gradcam")],
    "test_compute_gradcam_plusplus_form": [("check_cam_on_two_squares", "compute_gradcam_plusplus"),
                                           ("check_same_map_on_equivalent_model", "compute_gradcam_plusplus")],
    "test_smoothgrad_form": [("check_fresh_noise", "calls")],
    "test_count_flops_forward_form": [("check_mac_count", "count_flops_forward")],
    "test_cost_multipliers_form": [("check_cost_multipliers", "costs")],
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
