"""Stage 01's graded test cells: vanilla gradients."""

from __future__ import annotations

from ._cases import register
from .pixel_attribution import pixel_attribution_tests

# Same float32 arithmetic as the reference up to the order of a few sums: a correct
# solution is within 1e-5; every typical mistake (absolute values, softmax, train mode,
# the predicted class) is off by more than 10 %.
RTOL = 1e-3

register(*pixel_attribution_tests("vanilla_gradients", hidden_photo="rocket", digits=(17, 512), noise_seed=11,
                                  rtol=RTOL))
