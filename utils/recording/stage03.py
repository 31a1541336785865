"""Stage 03's graded test cells: the path, Integrated Gradients (trapezoid), the completeness gap."""

from __future__ import annotations

import torch

from ._cases import Case, HiddenTest, fresh_model, mnist_digits, photo, ranked_class, register
from .pixel_attribution import OTHER_CLASS, ig_on_digits

# The path is exact arithmetic up to float rounding.
PATH_RTOL = 1e-5
# IG, measured (docs/tolerances.md): on the MNIST model correct answers agree within 1e-6 and the nearest mistake
# (the plain mean of the points, on the visible test's few steps) is 5.3e-3 away; on EfficientNet-Lite0 its ReLU6
# kinks spread correct float32 answers up to 3.3e-3 (CPU kernels, precision), a left Riemann sum is 6.6e-2 away.
IG_RTOL = 1e-3
IG_RTOL_PHOTOS = 1.5e-2
# The gap: a few float32 logits subtracted; the typical mistakes (sign, probabilities,
# the class) are off by about the size of the gap itself.
GAP_TOLERANCE = 1e-3


def _paths(seed: int, shapes_and_steps) -> list[Case]:
    generator = torch.Generator().manual_seed(seed)
    cases = []
    for shape, steps in shapes_and_steps:
        x = torch.rand(shape, generator=generator)
        baseline = torch.rand(shape, generator=generator) - 0.5
        cases.append(Case(f"for an input of shape {shape} with steps={steps}", (x, baseline, steps)))
    return cases


# The notebook's digit: the fifth 8 of the test set (sorted by class, 100 per class).
VISIBLE_DIGIT = 804


def _visible_ig() -> list[Case]:
    """The visible test's calls: the digit, then the cubic model of ``utils.known_cases`` (closed-form trapezoid)."""
    from utils.known_cases import cubic_case

    model, (digit,) = fresh_model("tiny"), mnist_digits(VISIBLE_DIGIT)
    cases = [Case("on the notebook's digit for its predicted class with steps=128, as in the visible test",
                  (model, digit, ranked_class(model, digit, 0)), {"steps": 128}, model=model)]
    calls = [("with a baseline, steps=4", True, {"steps": 4}), ("without a baseline, steps=4", False, {"steps": 4}),
             ("with a baseline, steps=40, batch_size=3", True, {"steps": 40, "batch_size": 3}),
             ("with a baseline, steps=40, batch_size=None", True, {"steps": 40, "batch_size": None})]
    for what, with_baseline, kwargs in calls:
        cubic, x, baseline, target = cubic_case()
        kwargs = {"baseline": baseline, **kwargs} if with_baseline else kwargs
        cases.append(Case(f"on the cubic model of the visible test {what}", (cubic, x, target), kwargs, model=cubic))
    return cases


def _ig_mnist() -> list[Case]:
    return ig_on_digits([(44, 12), (615, 20)], seed=32, baseline_scale=0.3,
                        what=" with a non-zero baseline and steps={steps}", train_mode=True)


def _ig_default_baseline() -> list[Case]:
    model, (x,) = fresh_model("tiny"), mnist_digits(250)
    return [Case("called without a baseline (the default must be zeros)", (model, x, ranked_class(model, x)),
                 {"steps": 16}, model=model)]


def _ig_imagenet() -> list[Case]:
    model, x = fresh_model("imagenet"), photo("motorcycle")
    return [Case(f"on a photo you have not seen, with a black baseline and 8 steps, {OTHER_CLASS}, with the model "
                 "handed over in train mode", (model, x, ranked_class(model, x)),
                 {"baseline": -torch.ones_like(x), "steps": 8}, model=model, train_mode=True)]


def _midpoint_attributions(model, x, target, baseline) -> torch.Tensor:
    """(x − x′) · ∂F/∂x at the midpoint: attributions with a clear completeness gap."""
    point = (0.5 * (x + baseline)).requires_grad_(True)
    model.eval()
    (gradient,) = torch.autograd.grad(model(point)[0, target], point)
    return ((x - baseline) * gradient).detach()


def _visible_gap() -> list[Case]:
    model, (digit,) = fresh_model("tiny"), mnist_digits(VISIBLE_DIGIT)
    zeros = torch.zeros_like(digit)
    return [Case("with all-zero attributions and a zero baseline on the notebook's digit, as in the visible test",
                 (model, digit, ranked_class(model, digit, 0), zeros, zeros.clone()), model=model)]


def _gaps() -> list[Case]:
    tiny, (digit,) = fresh_model("tiny"), mnist_digits(88)
    imagenet, rocket = fresh_model("imagenet"), photo("rocket")
    cases = []
    for model, x, baseline in ((tiny, digit, 0.2 * torch.ones_like(digit)), (imagenet, rocket, torch.zeros_like(rocket))):
        target = ranked_class(model, x)
        attributions = _midpoint_attributions(model, x, target, baseline)
        cases.append(Case(f"for attributions you have not seen, {OTHER_CLASS}", (model, x, target, attributions, baseline),
                          model=model))
    return cases


# What a wrong Integrated Gradients most often is; the judge names the one a wrong answer matches.
IG_MISTAKES = ("left_riemann", "mean_of_points", "zero_baseline", "probability")


def _ig_test(grade_id, cases, rtol=IG_RTOL):
    return HiddenTest(grade_id, "integrated_gradients", cases, expected="integrated_gradients", rtol=rtol,
                      mistakes=IG_MISTAKES)


register(
    HiddenTest("test_interpolate_path_form", "interpolate_path",
               lambda: _paths(30, (((1, 3, 4, 5), 4), ((1, 3, 4, 5), 1))), expected="interpolate_path", rtol=PATH_RTOL),
    HiddenTest("test_interpolate_path_hidden", "interpolate_path",
               lambda: _paths(31, (((1, 1, 6, 5), 1), ((1, 3, 8, 8), 3), ((1, 2, 5, 9), 7))),
               expected="interpolate_path", rtol=PATH_RTOL),
    _ig_test("test_integrated_gradients_form", _visible_ig),
    _ig_test("test_integrated_gradients_hidden_mnist", _ig_mnist),
    _ig_test("test_integrated_gradients_hidden_default_baseline", _ig_default_baseline),
    _ig_test("test_integrated_gradients_hidden_imagenet", _ig_imagenet, IG_RTOL_PHOTOS),
    HiddenTest("test_completeness_gap_form", "completeness_gap", _visible_gap, rule="gap", expected="completeness_gap",
               rtol=GAP_TOLERANCE),
    HiddenTest("test_completeness_gap_hidden", "completeness_gap", _gaps, rule="gap", expected="completeness_gap",
               rtol=GAP_TOLERANCE),
)
