"""Hidden checks of stage 02: Gradient × Input."""

from __future__ import annotations

import torch

from utils import reference
from utils.data import load_mnist, load_photo

from ._compare import assert_matches
from ._guards import call_student, fresh_model
from ._integrity import assert_untampered
from .stage01 import second_choice

# Same float32 arithmetic as the reference up to the order of a few sums (a correct
# solution is within 1e-5); the typical mistakes (absolute values, softmax, train
# mode, the predicted class, the gradient without the input factor) are off by > 10 %.
RTOL = 1e-3


def check_gradient_x_input_imagenet(gradient_x_input) -> None:
    """A photo the notebook never shows, a class that is not the prediction, a model left in train mode."""
    assert_untampered()
    x = load_photo("astronaut").tensor[None]
    model = fresh_model("imagenet")
    target = second_choice(model, x)
    expected = reference.gradient_x_input(model, x, target)
    model.train()  # the student's function must put it in eval mode itself
    result = call_student(gradient_x_input, model, x, target)
    assert_matches(result, expected, rtol=RTOL, name="gradient_x_input",
                   case="on a photo you have not seen, for a class other than the predicted one, "
                        "with the model handed over in train mode")


def check_gradient_x_input_mnist(gradient_x_input) -> None:
    """The MNIST model on two digits and a random image, each for its second most likely class."""
    assert_untampered()
    model = fresh_model("tiny")
    digits = load_mnist().x_test
    noise = torch.rand(1, 1, 28, 28, generator=torch.Generator().manual_seed(12))
    for x in (digits[33:34], digits[701:702], noise):
        target = second_choice(model, x)
        expected = reference.gradient_x_input(model, x, target)
        result = call_student(gradient_x_input, model, x, target)
        assert_matches(result, expected, rtol=RTOL, name="gradient_x_input",
                       case="on the MNIST model (an input you have not seen)")
