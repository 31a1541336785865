"""Stage 02's graded test cells: Gradient × Input."""

from __future__ import annotations

from ._cases import register
from .pixel_attribution import pixel_attribution_tests

# Same float32 arithmetic as the reference up to the order of a few sums (a correct
# solution is within 1e-5); the typical mistakes (absolute values, softmax, train
# mode, the predicted class, the gradient without the input factor) are off by > 10 %.
RTOL = 1e-3

register(*pixel_attribution_tests("gradient_x_input", hidden_photo="astronaut", digits=(33, 701), noise_seed=12,
                                  rtol=RTOL))
