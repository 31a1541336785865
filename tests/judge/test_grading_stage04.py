"""Stage 04's hidden checks: correct baselines pass, whatever blur or generator they use; black = 0, a light or
zero-padded blur, unseeded or [0, 1] noise fail."""

import numpy as np
import pytest
import torch
import torchvision.transforms.functional as TF

from utils.instructor.judge import checker

from tests import cheats


def zero_padded_gaussian(x, kernel, sigma):
    """A Gaussian blur that pads with zeros: it pulls the borders towards 0 (grey)."""
    g = torch.exp(-(torch.arange(kernel) - kernel // 2) ** 2 / (2 * sigma ** 2))
    g = g / g.sum()
    weights = (g[:, None] * g[None])[None, None].repeat(x.shape[1], 1, 1, 1).to(x.dtype)
    return torch.nn.functional.conv2d(x, weights, padding=kernel // 2, groups=x.shape[1])


def box_blur(x, size):
    """A box filter with reflected borders: a blur too, with another kernel."""
    padded = torch.nn.functional.pad(x, [size // 2] * 4, mode="reflect")
    return torch.nn.functional.avg_pool2d(padded, size, stride=1)


def make(black=-1.0, kernel=31, sigma=10.0, blur="gaussian", seeded=True, noise_low=-1.0, mutate=False,
         unknown=ValueError, numpy_output=False):
    def make_baseline(input_tensor, kind):
        x = input_tensor
        if mutate:
            input_tensor.clamp_(-0.5, 0.5)
        if kind == "zeros":
            out = torch.zeros_like(x)
        elif kind == "black":
            out = torch.full_like(x, black)
        elif kind == "white":
            out = torch.ones_like(x)
        elif kind == "blur":
            out = {"gaussian": lambda: TF.gaussian_blur(x, [kernel, kernel], [sigma, sigma]),
                   "zero padding": lambda: zero_padded_gaussian(x, kernel, sigma),
                   "box": lambda: box_blur(x, kernel),
                   "mean colour": lambda: x.mean(dim=(2, 3), keepdim=True).expand_as(x).clone()}[blur]()
        elif kind == "noise":
            generator = torch.Generator().manual_seed(0) if seeded else None
            out = noise_low + (1 - noise_low) * torch.rand(x.shape, generator=generator)
        elif unknown is None:
            out = torch.zeros_like(x)
        else:
            raise unknown(f"unknown kind {kind}")
        return out.numpy()[0] if numpy_output else out

    return make_baseline


CHECKS = [checker("test_make_baseline_hidden_constant"), checker("test_make_baseline_hidden_blur"),
          checker("test_make_baseline_hidden_noise"), checker("test_make_baseline_hidden_unknown_kind")]


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("solution", [make(), make(numpy_output=True)], ids=["tensor", "numpy without batch dim"])
def test_correct_solutions_pass(check, solution):
    check(solution)


@pytest.mark.parametrize("solution", [make(kernel=41, sigma=7.0), make(kernel=91, sigma=15.0), make(kernel=21, sigma=5.0),
                                      make(blur="box", kernel=15)],
                         ids=["sigma 7", "sigma 15", "sigma 5", "box 15x15"])
def test_the_blur_is_graded_by_what_a_blur_baseline_must_be(solution):
    """Any heavy blur that keeps the layout and the colours earns the point, not only the course's own kernel."""
    checker("test_make_baseline_hidden_blur")(solution)


@pytest.mark.parametrize("check, mistake, message", [
    (checker("test_make_baseline_hidden_constant"), make(black=0.0), "differs"),
    (checker("test_make_baseline_hidden_blur"), make(kernel=5), "keeps .* of the photo's fine detail"),
    (checker("test_make_baseline_hidden_blur"), make(kernel=13, sigma=2.0), "keeps .* of the photo's fine detail"),
    (checker("test_make_baseline_hidden_blur"), make(blur="zero padding", kernel=61), "changes the photo's mean colour"),
    (checker("test_make_baseline_hidden_blur"), make(kernel=151, sigma=40.0), "no longer shows where things are"),
    (checker("test_make_baseline_hidden_blur"), make(blur="mean colour"), "no longer shows where things are"),
    (checker("test_make_baseline_hidden_noise"), make(seeded=False), "different noise"),
    (checker("test_make_baseline_hidden_noise"), make(noise_low=0.0), "uniformly"),
], ids=["black = 0", "blur kernel 5", "blur sigma 2", "zero-padded blur", "blur sigma 40", "mean colour",
        "unseeded noise", "noise on [0, 1]"])
def test_typical_mistakes_fail(check, mistake, message):
    with pytest.raises(AssertionError, match=message):
        check(mistake)


def numpy_noise(input_tensor, kind):
    """A correct noise baseline from another generator: NumPy's, seeded."""
    if kind != "noise":
        return make()(input_tensor, kind)
    return np.random.default_rng(7).uniform(-1, 1, size=tuple(input_tensor.shape))


def normal_noise(input_tensor, kind):
    return (0.5 * torch.randn(input_tensor.shape, generator=torch.Generator().manual_seed(0))).clamp(-1, 1)


def test_the_noise_is_graded_by_its_properties_not_one_generator():
    """Any seeded uniform draw on [-1, 1] earns the point; a normal draw does not."""
    checker("test_make_baseline_hidden_noise")(numpy_noise)
    with pytest.raises(AssertionError, match="uniformly"):
        checker("test_make_baseline_hidden_noise")(normal_noise)


def test_mutating_the_input_fails():
    with pytest.raises(AssertionError, match="modified its input"):
        checker("test_make_baseline_hidden_constant")(make(mutate=True))


@pytest.mark.parametrize("mistake, message", [(make(unknown=None), "returned a value"),
                                              (make(unknown=KeyError), "raised KeyError")])
def test_unknown_kinds_must_raise_value_error(mistake, message):
    with pytest.raises(AssertionError, match=message):
        checker("test_make_baseline_hidden_unknown_kind")(mistake)


def test_calling_the_answer_key_fails():
    def calls_the_answer_key(input_tensor, kind):
        from utils.instructor.reference import make_baseline

        return make_baseline(input_tensor, kind)

    with pytest.raises(AssertionError, match="answer key"):
        checker("test_make_baseline_hidden_constant")(calls_the_answer_key)


def test_a_stub_fails():
    for check in CHECKS:
        with pytest.raises(AssertionError, match="not implemented"):
            check(cheats.stub)


def test_noise_recipe_in_the_notebook_matches_the_reference():
    from utils.instructor.reference import make_baseline

    x = torch.zeros(1, 3, 5, 5)
    g = torch.Generator().manual_seed(0)
    assert np.array_equal(make_baseline(x, "noise").numpy(), (torch.rand(x.shape, generator=g) * 2 - 1).numpy())
