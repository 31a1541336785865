"""Hidden checks shared by the methods with the (model, input, class) → (1, C, H, W) signature."""

from __future__ import annotations

import torch

from utils.data import load_mnist, load_photo

from ._compare import assert_matches
from ._guards import call_student, fresh_model
from ._integrity import assert_untampered


def second_choice(model, x) -> int:
    """The model's second most likely class: a target that is not the prediction."""
    with torch.no_grad():
        return int(model.eval()(x).topk(2).indices[0, 1])


def check_on_photo(student, answer, *, name: str, photo: str, rtol: float) -> None:
    """A photo the notebook never shows, its second-choice class, the model handed over in train mode."""
    assert_untampered()
    x = load_photo(photo).tensor[None]
    model = fresh_model("imagenet")
    target = second_choice(model, x)
    expected = answer(model, x, target)
    model.train()  # the student's function must put it in eval mode itself
    result = call_student(student, model, x, target)
    assert_matches(result, expected, rtol=rtol, name=name,
                   case="on a photo you have not seen, for a class other than the predicted one, "
                        "with the model handed over in train mode")


def check_on_digits(student, answer, *, name: str, digits: tuple, noise_seed: int, rtol: float) -> None:
    """The MNIST model on two unseen digits and a random image, each for its second most likely class."""
    assert_untampered()
    model = fresh_model("tiny")
    test_set = load_mnist().x_test
    noise = torch.rand(1, 1, 28, 28, generator=torch.Generator().manual_seed(noise_seed))
    for x in (*(test_set[i:i + 1] for i in digits), noise):
        target = second_choice(model, x)
        expected = answer(model, x, target)
        result = call_student(student, model, x, target)
        assert_matches(result, expected, rtol=rtol, name=name, case="on the MNIST model (an input you have not seen)")
