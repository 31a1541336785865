"""Hidden checks of stage 04: make_baseline, the five kinds in the model's input space [-1, 1]."""

from __future__ import annotations

import torch

from utils import reference
from utils.data import load_photo

from ._compare import assert_matches
from ._guards import call_function
from ._integrity import assert_untampered

# Constants and seeded noise are exact; the blur is the same torchvision call, so a
# correct solution matches to float32 rounding. A wrong kernel size or sigma is off by
# more than 1 %, black = 0 or noise on [0, 1] by far more.
RTOL = 1e-5


def _unseen_inputs():
    generator = torch.Generator().manual_seed(41)
    return [torch.rand(1, 3, 40, 56, generator=generator) * 2 - 1, torch.rand(1, 1, 28, 28, generator=generator) * 2 - 1]


def _compare(make_baseline, x, kind, case):
    expected = reference.make_baseline(x, kind)
    result = call_function(make_baseline, x, kind)
    assert_matches(result, expected, rtol=RTOL, name="make_baseline", case=f"for kind {kind!r} {case}")


def check_make_baseline_constant(make_baseline) -> None:
    """zeros, black and white on inputs of other shapes (one channel as well as three)."""
    assert_untampered()
    for x in _unseen_inputs():
        for kind in ("zeros", "black", "white"):
            _compare(make_baseline, x, kind, f"on an input of shape {tuple(x.shape)}")


def check_make_baseline_blur(make_baseline) -> None:
    """An unseen photo and a random input."""
    assert_untampered()
    for x in (load_photo("astronaut").tensor[None], _unseen_inputs()[0]):
        _compare(make_baseline, x, "blur", f"on an input of shape {tuple(x.shape)} you have not seen")


def check_make_baseline_noise(make_baseline) -> None:
    """The seeded noise on other shapes; it must not depend on the input's values."""
    assert_untampered()
    for x in _unseen_inputs():
        _compare(make_baseline, x, "noise", f"on an input of shape {tuple(x.shape)}")
        _compare(make_baseline, torch.zeros_like(x), "noise", "on an all-zero input (noise must not depend on it)")


def check_make_baseline_unknown_kind(make_baseline) -> None:
    assert_untampered()
    for kind in ("gray", "Black", ""):
        try:
            call_function(make_baseline, _unseen_inputs()[0], kind)
        except ValueError:
            continue
        except AssertionError:
            raise
        except Exception as error:  # noqa: BLE001 (the student's code may raise anything)
            raise AssertionError(f"make_baseline(x, {kind!r}) raised {type(error).__name__}; an unknown kind "
                                 "should raise a ValueError.") from None
        raise AssertionError(f"make_baseline(x, {kind!r}) returned a value; an unknown kind should raise a "
                             "ValueError that lists the five kinds.")
