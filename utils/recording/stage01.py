"""Stage 01's graded test cells: vanilla gradients."""

from __future__ import annotations

import torch

from ._cases import Case, HiddenTest, fresh_model, mnist_digits, photo, ranked_class, register
from .pixel_attribution import on_digits, on_photo, on_visible_photo

# Same float32 arithmetic as the reference up to the order of a few sums: a correct
# solution is within 1e-5; every typical mistake (absolute values, softmax, train mode,
# the predicted class) is off by more than 10 %.
RTOL = 1e-3

register(
    HiddenTest("test_vanilla_gradients_form", "vanilla_gradients", on_visible_photo, expected="vanilla_gradients",
               rtol=RTOL),
    HiddenTest("test_vanilla_gradients_hidden_imagenet", "vanilla_gradients", lambda: on_photo("rocket"),
               expected="vanilla_gradients", rtol=RTOL),
    HiddenTest("test_vanilla_gradients_hidden_mnist", "vanilla_gradients", lambda: on_digits((17, 512), noise_seed=11),
               expected="vanilla_gradients", rtol=RTOL),
)
