"""The visible checks of stage 04: ``check_blur_baseline`` (``utils/checks``) catch the
mistakes their messages name before grading, and pass a correct solution. No answer key is involved: the
checks use closed forms on small models."""

from __future__ import annotations

import pytest

from utils import checks


@pytest.fixture(scope="module")
def chelsea():
    from utils.data import load_photo

    return load_photo("chelsea").tensor[None]


@pytest.mark.parametrize("kernel, sigma", [(31, 10.0), (21, 5.0), (61, 20.0)])
def test_the_blur_check_passes_heavy_gaussian_blurs(chelsea, kernel, sigma):
    from torchvision.transforms.functional import gaussian_blur

    checks.check_blur_baseline(gaussian_blur(chelsea, [kernel, kernel], [sigma, sigma]), chelsea)
    checks.check_blur_baseline(gaussian_blur(chelsea, [kernel, kernel], [sigma, sigma])[0].numpy(), chelsea)


@pytest.mark.parametrize("blur, message", [
    (lambda x: __import__("torchvision").transforms.functional.gaussian_blur(x, [5, 5], [10.0, 10.0]),
     "keeps .* fine detail.* a kernel wide enough"),
    (lambda x: x.clone(), "keeps 100% of the photo's fine detail"),
    (lambda x: x.mean(dim=(2, 3), keepdim=True).expand_as(x), "no longer shows where things are"),
    (lambda x: (x + 1) / 2, "changes the photo's mean colour"),
    (lambda x: 2 * x, "leaves the model's input range"),
], ids=["5x5 kernel", "no blur", "mean colour", "rescaled to [0, 1]", "out of range"])
def test_blur_mistakes_fail_the_visible_check(chelsea, blur, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_blur_baseline(blur(chelsea), chelsea)
