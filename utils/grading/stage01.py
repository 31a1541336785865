"""Hidden checks of stage 01: vanilla gradients."""

from __future__ import annotations

import torch

from utils.data import load_mnist, load_photo
from utils import reference

from ._compare import assert_matches
from ._guards import call_student, fresh_model
from ._integrity import assert_untampered

# Same float32 arithmetic as the reference up to the order of a few sums: a correct
# solution is within 1e-5; every typical mistake (absolute values, softmax, train mode,
# the predicted class) is off by more than 10 %.
RTOL = 1e-3


def second_choice(model, x) -> int:
    """The model's second most likely class: a target that is not the prediction."""
    with torch.no_grad():
        return int(model.eval()(x).topk(2).indices[0, 1])


def check_vanilla_gradients_imagenet(vanilla_gradients) -> None:
    """A photo the notebook never shows, a class that is not the prediction, a model left in train mode."""
    assert_untampered()
    x = load_photo("rocket").tensor[None]
    model = fresh_model("imagenet")
    target = second_choice(model, x)
    expected = reference.vanilla_gradients(model, x, target)
    model.train()  # the student's function must put it in eval mode itself
    result = call_student(vanilla_gradients, model, x, target)
    assert_matches(result, expected, rtol=RTOL, name="vanilla_gradients",
                   case="on a photo you have not seen, for a class other than the predicted one, "
                        "with the model handed over in train mode")


def check_vanilla_gradients_mnist(vanilla_gradients) -> None:
    """The MNIST model, on two digits and a random image, each for its second most likely class."""
    assert_untampered()
    model = fresh_model("tiny")
    digits = load_mnist().x_test
    noise = torch.rand(1, 1, 28, 28, generator=torch.Generator().manual_seed(11))
    for x in (digits[17:18], digits[512:513], noise):
        target = second_choice(model, x)
        expected = reference.vanilla_gradients(model, x, target)
        result = call_student(vanilla_gradients, model, x, target)
        assert_matches(result, expected, rtol=RTOL, name="vanilla_gradients",
                       case="on the MNIST model (an input you have not seen)")

