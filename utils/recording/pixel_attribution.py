"""Cases shared by the methods with the signature (model, input, class) → map of the input's shape."""

from __future__ import annotations

import torch

from ._cases import Case, HiddenTest, fresh_model, mnist_digits, photo, ranked_class

OTHER_CLASS = "for a class other than the predicted one"


def on_visible_photo() -> list[Case]:
    """The notebook's own first photo (chelsea) and its label, as the visible test calls it."""
    from utils.data import load_photo

    shown, model = load_photo("chelsea"), fresh_model("imagenet")
    return [Case("on the notebook's first photo (chelsea) for its label, as in the visible test",
                 (model, shown.tensor[None].clone(), shown.label), model=model)]


def on_visible_inputs() -> list[Case]:
    """The visible test's calls: the notebook's first photo, and the linear model of ``utils.known_cases``."""
    from utils.known_cases import linear_case

    model, x, target = linear_case()
    return on_visible_photo() + [Case("on the linear model F(x) = Wx + b of the visible test (for its second choice)",
                                      (model, x, target), model=model)]


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


def ig_on_digits(digits_and_steps, *, seed: int, baseline_scale: float, what: str,
                 train_mode: bool = False) -> list[Case]:
    """Integrated Gradients on the MNIST model, one case per (test-set index, steps), each digit for its
    second-choice class with a baseline drawn uniformly from [0, baseline_scale) by a generator seeded
    with ``seed``. ``what`` describes the case after "on the MNIST model" (``{steps}`` is filled in)."""
    model = fresh_model("tiny")
    generator = torch.Generator().manual_seed(seed)
    indices, steps_each = zip(*digits_and_steps)
    cases = []
    for x, steps in zip(mnist_digits(*indices), steps_each):
        baseline = baseline_scale * torch.rand(x.shape, generator=generator)
        cases.append(Case(f"on the MNIST model{what.format(steps=steps)}, {OTHER_CLASS}",
                          (model, x, ranked_class(model, x)), {"baseline": baseline, "steps": steps},
                          model=model, train_mode=train_mode))
    return cases


def pixel_attribution_tests(function: str, *, hidden_photo: str, digits: tuple, noise_seed: int,
                            rtol_photos: float, rtol_digits: float) -> tuple[HiddenTest, ...]:
    """A stage's three test cells for ``function``: the visible test's inputs (a photo among them), an unseen photo,
    unseen digits; ``rtol_photos`` for the two with EfficientNet-Lite0, ``rtol_digits`` for the MNIST model's."""
    likely = {"expected": function, "mistakes": ("probability",)}
    return (
        HiddenTest(f"test_{function}_form", function, on_visible_inputs, rtol=rtol_photos, **likely),
        HiddenTest(f"test_{function}_hidden_imagenet", function, lambda: on_photo(hidden_photo), rtol=rtol_photos,
                   **likely),
        HiddenTest(f"test_{function}_hidden_mnist", function, lambda: on_digits(digits, noise_seed=noise_seed),
                   rtol=rtol_digits, **likely),
    )
