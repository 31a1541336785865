"""Stage 02's graded test cells: Gradient × Input."""

from __future__ import annotations

from ._cases import HiddenTest, register
from .pixel_attribution import on_digits, on_photo, on_visible_photo

# Same float32 arithmetic as the reference up to the order of a few sums (a correct
# solution is within 1e-5); the typical mistakes (absolute values, softmax, train
# mode, the predicted class, the gradient without the input factor) are off by > 10 %.
RTOL = 1e-3

register(
    HiddenTest("test_gradient_x_input_form", "gradient_x_input", on_visible_photo, expected="gradient_x_input",
               rtol=RTOL),
    HiddenTest("test_gradient_x_input_hidden_imagenet", "gradient_x_input", lambda: on_photo("astronaut"),
               expected="gradient_x_input", rtol=RTOL),
    HiddenTest("test_gradient_x_input_hidden_mnist", "gradient_x_input", lambda: on_digits((33, 701), noise_seed=12),
               expected="gradient_x_input", rtol=RTOL),
)
