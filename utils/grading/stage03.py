"""Hidden checks of stage 03: the path, Integrated Gradients (trapezoid), the completeness gap."""

from __future__ import annotations

import torch

from utils import reference
from utils.data import load_mnist, load_photo

from ._compare import assert_matches
from ._guards import call_function, call_student, fresh_model
from ._integrity import assert_untampered
from ._pixel_attribution import second_choice

# The path is exact arithmetic up to float rounding.
PATH_RTOL = 1e-5
# IG: the same float32 gradients summed in another order (measured < 1e-5 relative on
# both models); left/right Riemann, a missing (x - x') factor or an ignored baseline
# are off by several % even at these step counts, softmax and train mode by far more.
IG_RTOL = 2e-3
# The gap: a few float32 logits subtracted; the typical mistakes (sign, probabilities,
# the class) are off by about the size of the gap itself.
GAP_TOLERANCE = 1e-3


def check_interpolate_path(interpolate_path) -> None:
    """Other shapes and step counts (1, 3, 7), baselines that are not zero."""
    assert_untampered()
    generator = torch.Generator().manual_seed(31)
    for shape, steps in (((1, 1, 6, 5), 1), ((1, 3, 8, 8), 3), ((1, 2, 5, 9), 7)):
        x = torch.rand(shape, generator=generator)
        baseline = torch.rand(shape, generator=generator) - 0.5
        alphas = torch.arange(steps + 1, dtype=torch.float64) / steps
        expected = baseline.double() + alphas.view(-1, 1, 1, 1) * (x - baseline).double()
        result = call_function(interpolate_path, x, baseline, steps)
        assert_matches(result, expected, rtol=PATH_RTOL, name="interpolate_path",
                       case=f"for an input of shape {shape} with steps={steps}")


def check_integrated_gradients_mnist(integrated_gradients) -> None:
    """The MNIST model: unseen digits, non-zero baselines, 12 and 20 steps, second-choice classes."""
    assert_untampered()
    model = fresh_model("tiny")
    digits = load_mnist().x_test
    generator = torch.Generator().manual_seed(32)
    for x, steps in ((digits[44:45], 12), (digits[615:616], 20)):
        baseline = 0.3 * torch.rand(x.shape, generator=generator)
        target = second_choice(model, x)
        expected = reference.integrated_gradients(model, x, target, baseline=baseline, steps=steps)
        model.train()
        result = call_student(integrated_gradients, model, x, target, baseline=baseline, steps=steps)
        assert_matches(result, expected, rtol=IG_RTOL, name="integrated_gradients",
                       case=f"on the MNIST model with a non-zero baseline and steps={steps}, "
                            "for a class other than the predicted one")


def check_integrated_gradients_default_baseline(integrated_gradients) -> None:
    """Called without a baseline: zeros."""
    assert_untampered()
    model = fresh_model("tiny")
    x = load_mnist().x_test[250:251]
    target = second_choice(model, x)
    expected = reference.integrated_gradients(model, x, target, steps=16)
    result = call_student(integrated_gradients, model, x, target, steps=16)
    assert_matches(result, expected, rtol=IG_RTOL, name="integrated_gradients",
                   case="called without a baseline (the default must be zeros)")


def check_integrated_gradients_imagenet(integrated_gradients) -> None:
    """An unseen photo, its second-choice class, 8 steps, the model handed over in train mode."""
    assert_untampered()
    x = load_photo("motorcycle").tensor[None]
    model = fresh_model("imagenet")
    target = second_choice(model, x)
    baseline = -torch.ones_like(x)
    expected = reference.integrated_gradients(model, x, target, baseline=baseline, steps=8)
    model.train()
    result = call_student(integrated_gradients, model, x, target, baseline=baseline, steps=8)
    assert_matches(result, expected, rtol=IG_RTOL, name="integrated_gradients",
                   case="on a photo you have not seen, with a black baseline and 8 steps, for a class other "
                        "than the predicted one, with the model handed over in train mode")


def check_completeness_gap(completeness_gap) -> None:
    """Attributions from the reference with few steps (a clear gap), on both models; not the student's IG."""
    assert_untampered()
    cases = []
    tiny = fresh_model("tiny")
    x = load_mnist().x_test[88:89]
    cases.append((tiny, x, second_choice(tiny, x), 0.2 * torch.ones_like(x), 3))
    imagenet = fresh_model("imagenet")
    photo = load_photo("rocket").tensor[None]
    cases.append((imagenet, photo, second_choice(imagenet, photo), torch.zeros_like(photo), 2))
    for model, x, target, baseline, steps in cases:
        attributions, gap = reference.integrated_gradients(model, x, target, baseline=baseline, steps=steps,
                                                           return_delta=True)
        with torch.no_grad():
            scale = abs((model(x) - model(baseline))[0, target].item())
        result = call_student(completeness_gap, model, x, target, attributions, baseline)
        try:
            value = float(torch.as_tensor(result).reshape(()))
        except (TypeError, ValueError, RuntimeError):
            raise AssertionError(f"completeness_gap returned {type(result).__name__} {getattr(result, 'shape', '')}; "
                                 "return one float.") from None
        if not abs(value - gap.item()) <= GAP_TOLERANCE * max(1.0, scale):
            raise AssertionError("completeness_gap for attributions you have not seen, for a class other than the "
                                 "predicted one: the value is not the expected gap (sum of the attributions minus "
                                 "the change of the target logit from the baseline to the input).")
