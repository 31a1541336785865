"""Stage 04's hidden checks: the exact recipes pass; black = 0, wrong blur, unseeded or [0, 1] noise fail."""

import numpy as np
import pytest
import torch
import torchvision.transforms.functional as TF

from utils.instructor.judge import checker

from . import cheats


def make(black=-1.0, kernel=31, sigma=10.0, seeded=True, noise_low=-1.0, mutate=False, unknown=ValueError,
         numpy_output=False):
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
            out = TF.gaussian_blur(x, [kernel, kernel], [sigma, sigma])
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


@pytest.mark.parametrize("check, mistake, message", [
    (checker("test_make_baseline_hidden_constant"), make(black=0.0), "differs"),
    (checker("test_make_baseline_hidden_blur"), make(kernel=15), "differs"),
    (checker("test_make_baseline_hidden_blur"), make(sigma=5.0), "differs"),
    (checker("test_make_baseline_hidden_noise"), make(seeded=False), "different noise"),
    (checker("test_make_baseline_hidden_noise"), make(noise_low=0.0), "uniformly"),
], ids=["black = 0", "blur kernel 15", "blur sigma 5", "unseeded noise", "noise on [0, 1]"])
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
