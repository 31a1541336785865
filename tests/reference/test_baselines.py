"""make_baseline builds each kind in the model's input space."""

import pytest
import torch
from torchvision.transforms.functional import gaussian_blur

from utils.instructor.reference import BASELINE_KINDS, make_baseline


@pytest.fixture
def x():
    return torch.rand(2, 3, 40, 40, generator=torch.Generator().manual_seed(0)) * 2 - 1


def test_constant_kinds_in_minus_one_one(x):
    assert torch.equal(make_baseline(x, "zeros"), torch.zeros_like(x))
    assert torch.equal(make_baseline(x, "black"), torch.full_like(x, -1.0))
    assert torch.equal(make_baseline(x, "white"), torch.full_like(x, 1.0))


def test_zeros_is_mid_grey_not_black_in_minus_one_one(x):
    assert not torch.equal(make_baseline(x, "zeros"), make_baseline(x, "black"))


def test_constant_kinds_follow_the_value_range(x):
    assert torch.equal(make_baseline(x, "black", value_range=(0, 1)), torch.zeros_like(x))
    assert torch.equal(make_baseline(x, "white", value_range=(0, 1)), torch.ones_like(x))


def test_blur_uses_kernel_31_sigma_10(x):
    expected = gaussian_blur(x, [31, 31], [10.0, 10.0])
    torch.testing.assert_close(make_baseline(x, "blur"), expected)
    assert make_baseline(x, "blur").std() < x.std() / 2, "a σ = 10 blur removes most detail"


def test_noise_is_seeded_uniform_in_range(x):
    a, b = make_baseline(x, "noise"), make_baseline(x, "noise")
    assert torch.equal(a, b)
    assert not torch.equal(a, make_baseline(x, "noise", seed=1))
    assert a.min() >= -1 and a.max() <= 1
    assert a.mean().abs() < 0.05 and a.std().item() == pytest.approx(2 / 12 ** 0.5, rel=0.05)
    expected = torch.rand(x.shape, generator=torch.Generator().manual_seed(0)) * 2 - 1
    torch.testing.assert_close(a, expected)


@pytest.mark.parametrize("kind", BASELINE_KINDS)
def test_shape_dtype_and_input_untouched(x, kind):
    before = x.clone()
    b = make_baseline(x.double(), kind)
    assert b.shape == x.shape and b.dtype == torch.float64
    assert torch.equal(x, before)
