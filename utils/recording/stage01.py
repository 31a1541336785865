"""Stage 01's graded test cells: vanilla gradients."""

from __future__ import annotations

from ._cases import register
from .pixel_attribution import pixel_attribution_tests

# Measured (docs/tolerances.md): EfficientNet-Lite0's ReLU6 kinks make correct float32 maps spread up to 3.5e-3
# from each other and from float64 (which activations clip flips with the CPU's kernels, the memory format, the
# precision); the MNIST model's below 1e-6. The softmax and |gradient| are off by more than 80 %.
RTOL_PHOTOS = 2e-2
RTOL_DIGITS = 1e-3

register(*pixel_attribution_tests("vanilla_gradients", hidden_photo="rocket", digits=(17, 512), noise_seed=11,
                                  rtol_photos=RTOL_PHOTOS, rtol_digits=RTOL_DIGITS))
