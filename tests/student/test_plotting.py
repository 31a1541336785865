"""The plotting helpers draw what they say on tensors and arrays alike."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from utils import plotting


@pytest.fixture(autouse=True)
def fresh_figure():
    """Each test draws on a new current figure (the helpers draw on plt.gca() when given no axes)."""
    plt.close("all")
    yield
    plt.close("all")


def test_signed_map_is_centred_on_zero():
    m = torch.zeros(1, 3, 8, 8)
    m[0, 0, 0, 0], m[0, 1, 1, 1] = 5.0, -1.0
    ax = plotting.show_signed_map(m, percentile=100)
    low, high = ax.images[0].get_clim()
    assert low == -high == -5.0


def test_channel_reduction():
    a = np.ones((3, 4, 4))
    assert plotting.to_numpy_map(a, "sum")[0, 0] == 3
    assert plotting.to_numpy_map(-a, "abs")[0, 0] == 3
    with pytest.raises(ValueError, match="reduce"):
        plotting.to_numpy_map(a, "max")
    with pytest.raises(ValueError, match="cannot draw"):
        plotting.to_numpy_map(np.ones(5))


def test_overlay_stretches_a_small_cam_over_the_image():
    image = torch.rand(3, 224, 224) * 2 - 1
    ax = plotting.show_heatmap_overlay(image, torch.rand(7, 7))
    assert ax.images[1].get_extent() == [-0.5, 223.5, 223.5, -0.5]


def test_magnitude_map_starts_at_zero():
    m = -torch.ones(3, 8, 8)
    m[0, 0, 0] = -4.0
    ax = plotting.show_magnitude_map(m, percentile=100)
    assert ax.images[0].get_clim() == (0.0, 6.0)
