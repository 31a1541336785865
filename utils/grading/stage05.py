"""Hidden checks of stage 05: Integrated Gradients through Captum, equal to the trapezoid reference."""

from __future__ import annotations

import torch

from utils import reference
from utils.data import load_mnist, load_photo

from ._compare import assert_matches
from ._guards import call_student, fresh_model
from ._integrity import assert_untampered
from .stage01 import second_choice

# Captum and the reference evaluate the same points; float32 rounding differs by up to
# 4e-4 on the ImageNet model (the reference runs channels-last, a student's Captum call
# does not) and 1e-6 on MNIST. Captum's default (Gauss-Legendre), the missing
# (S+1)/S factor (1/(S+1) = 5.9 % at 16 steps, 11 % at 8) and n_steps = steps are
# all off by several %.
RTOL = 2e-3


def check_captum_integrated_gradients_mnist(captum_integrated_gradients) -> None:
    """Unseen digits, non-zero baselines, 16 steps, second-choice classes; must use Captum."""
    assert_untampered()
    model = fresh_model("tiny")
    digits = load_mnist().x_test
    generator = torch.Generator().manual_seed(51)
    for x in (digits[55:56], digits[808:809]):
        baseline = 0.25 * torch.rand(x.shape, generator=generator)
        target = second_choice(model, x)
        expected = reference.integrated_gradients(model, x, target, baseline=baseline, steps=16)
        result = call_student(captum_integrated_gradients, model, x, target, baseline=baseline, steps=16,
                              require_captum=True)
        assert_matches(result, expected, rtol=RTOL, name="captum_integrated_gradients",
                       case="on the MNIST model with a non-zero baseline and 16 steps, for a class other than "
                            "the predicted one")


def check_captum_integrated_gradients_imagenet(captum_integrated_gradients) -> None:
    """An unseen photo, a white baseline, 8 steps, the model handed over in train mode."""
    assert_untampered()
    x = load_photo("astronaut").tensor[None]
    model = fresh_model("imagenet")
    target = second_choice(model, x)
    baseline = torch.ones_like(x)
    expected = reference.integrated_gradients(model, x, target, baseline=baseline, steps=8)
    model.train()
    result = call_student(captum_integrated_gradients, model, x, target, baseline=baseline, steps=8,
                          require_captum=True)
    assert_matches(result, expected, rtol=RTOL, name="captum_integrated_gradients",
                   case="on a photo you have not seen, with a white baseline and 8 steps, for a class other "
                        "than the predicted one, with the model handed over in train mode")
