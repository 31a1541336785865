"""Hidden checks of stage 01: vanilla gradients."""

from __future__ import annotations

from utils import reference

from ._pixel_attribution import check_on_digits, check_on_photo

# Same float32 arithmetic as the reference up to the order of a few sums: a correct
# solution is within 1e-5; every typical mistake (absolute values, softmax, train mode,
# the predicted class) is off by more than 10 %.
RTOL = 1e-3


def check_vanilla_gradients_imagenet(vanilla_gradients) -> None:
    """A photo the notebook never shows, a class that is not the prediction, a model left in train mode."""
    check_on_photo(vanilla_gradients, reference.vanilla_gradients, name="vanilla_gradients", photo="rocket", rtol=RTOL)


def check_vanilla_gradients_mnist(vanilla_gradients) -> None:
    """The MNIST model, on two digits and a random image, each for its second most likely class."""
    check_on_digits(vanilla_gradients, reference.vanilla_gradients, name="vanilla_gradients", digits=(17, 512),
                    noise_seed=11, rtol=RTOL)
