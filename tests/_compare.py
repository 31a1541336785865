"""Comparison of attribution maps with a tolerance relative to the map's size."""

import torch

from utils.checks import relative_l2


def min_max(maps: torch.Tensor) -> torch.Tensor:
    """Each map of (N, H, W) scaled on its own: (M − min M) / (max M − min M); a constant map gives zeros."""
    flat = maps.flatten(1)
    low, high = flat.min(dim=1, keepdim=True).values, flat.max(dim=1, keepdim=True).values
    span = high - low
    return ((flat - low) / torch.where(span > 0, span, torch.ones_like(span))).reshape(maps.shape)


def assert_maps_close(actual, expected, rtol: float) -> None:
    """‖actual − expected‖₂ ≤ rtol · ‖expected‖₂, per batch (Frobenius norms).

    Maps have many entries near 0, where an elementwise relative tolerance means
    nothing. A relative norm is also what float32 noise allows on a deep network:
    on EfficientNet-Lite0, float32 IG (ours and Captum's alike) differs from a
    float64 computation by 4e-4 in this norm and by 8e-4 of the largest entry at
    the worst pixel, while the two float32 implementations differ by 6e-5.
    """
    actual, expected = torch.as_tensor(actual), torch.as_tensor(expected)
    assert actual.shape == expected.shape, f"shape {tuple(actual.shape)} != {tuple(expected.shape)}"
    assert expected.count_nonzero() > 0, "the expected map is all zeros: the comparison would prove nothing"
    error = relative_l2(actual, expected)
    assert error <= rtol, f"relative error {error:.3g} > {rtol:g}"
