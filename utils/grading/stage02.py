"""Hidden checks of stage 02: Gradient × Input."""

from __future__ import annotations

from utils import reference

from ._pixel_attribution import check_on_digits, check_on_photo

# Same float32 arithmetic as the reference up to the order of a few sums (a correct
# solution is within 1e-5); the typical mistakes (absolute values, softmax, train
# mode, the predicted class, the gradient without the input factor) are off by > 10 %.
RTOL = 1e-3


def check_gradient_x_input_imagenet(gradient_x_input) -> None:
    """A photo the notebook never shows, a class that is not the prediction, a model left in train mode."""
    check_on_photo(gradient_x_input, reference.gradient_x_input, name="gradient_x_input", photo="astronaut",
                   rtol=RTOL)


def check_gradient_x_input_mnist(gradient_x_input) -> None:
    """The MNIST model, on two digits and a random image, each for its second most likely class."""
    check_on_digits(gradient_x_input, reference.gradient_x_input, name="gradient_x_input", digits=(33, 701),
                    noise_seed=12, rtol=RTOL)
