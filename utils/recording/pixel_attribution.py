"""Cases shared by the methods with the signature (model, input, class) → map of the input's shape."""

from __future__ import annotations

import torch

from ._cases import Case, fresh_model, mnist_digits, photo, ranked_class

OTHER_CLASS = "for a class other than the predicted one"


def on_visible_photo() -> list[Case]:
    """The notebook's own first photo (chelsea) and its label, as the visible test calls it."""
    from utils.data import load_photo

    shown, model = load_photo("chelsea"), fresh_model("imagenet")
    return [Case("on the notebook's first photo (chelsea) for its label, as in the visible test",
                 (model, shown.tensor[None].clone(), shown.label), model=model)]


def on_photo(name: str) -> list[Case]:
    """A photo the notebook never shows, its second-choice class, the model handed over in train mode."""
    model, x = fresh_model("imagenet"), photo(name)
    return [Case(f"on a photo you have not seen, {OTHER_CLASS}, with the model handed over in train mode",
                 (model, x, ranked_class(model, x)), model=model, train_mode=True)]


def on_digits(indices: tuple, noise_seed: int) -> list[Case]:
    """The MNIST model on unseen digits and a random image, each for its second most likely class."""
    model = fresh_model("tiny")
    noise = torch.rand(1, 1, 28, 28, generator=torch.Generator().manual_seed(noise_seed))
    return [Case(f"on the MNIST model (an input you have not seen), {OTHER_CLASS}", (model, x, ranked_class(model, x)),
                 model=model) for x in (*mnist_digits(*indices), noise)]
