"""Hidden checks of stage 06: CAM, Grad-CAM, Grad-CAM++ and SmoothGrad.

The CAM family is compared with the reference maps. SmoothGrad cannot be compared
value for value (the student's noise draws are not the reference's), so its checks
use explain functions whose average is known whatever the draws are:
- a recording explain that returns its noisy input: the result must be the mean of
  exactly what explain returned (averaging, not summing), explain must be called
  n_samples times with the asked class, and the spread of the noisy inputs must
  be noise_std (the standard deviation, not the variance; noise actually added);
- noise_std = 0: the result must equal explain(model, x, class_idx) itself.
"""

from __future__ import annotations

import torch

from utils import reference
from utils.checks import ExerciseNotDone
from utils.data import load_mnist, load_photo

from ._compare import assert_matches
from ._guards import CAPTUM, call_student, fresh_model, run_watched, watched_sources
from ._integrity import assert_untampered
from ._pixel_attribution import second_choice

# Min-max normalised maps from the same float32 arithmetic: a correct solution is
# within 1e-5 on MNIST and 1e-4 on EfficientNet (Grad-CAM++'s g³ terms are tiny
# there). Missing ReLU, absolute gradients, plain Grad-CAM for Grad-CAM++, no
# normalisation, the predicted class or a layer before the activation are off by > 5 %.
RTOL_MNIST = 1e-3
RTOL_IMAGENET = 5e-3


def _digits():
    data = load_mnist().x_test
    return [data[66:67], data[901:902]]


def _compare_mnist(student, answer, name, layer=None):
    assert_untampered()
    # Handed over in train mode, like the ImageNet model (TinyGradCAMNet has no dropout
    # or batch norm, so this only checks that the mode is tolerated and restored).
    model = fresh_model("tiny", train_mode=True)
    for x in _digits():
        target = second_choice(model, x)
        expected = answer(model, x, target, layer=layer)
        args = (x, target) if layer is None else (x, target, layer)
        result = call_student(student, model, *args)
        where = "at its default layer" if layer is None else f"at layer {layer!r}"
        assert_matches(result, expected, rtol=RTOL_MNIST, name=name,
                       case=f"on an MNIST digit you have not seen, {where}, for a class other than the predicted one")


def _compare_imagenet(student, answer, name, photo, layer_of, rank=1):
    """``rank``: which class to explain, by the model's ranking (1 = its second choice)."""
    assert_untampered()
    model = fresh_model("imagenet")
    x = load_photo(photo).tensor[None]
    with torch.no_grad():
        target = int(model(x).argsort(descending=True)[0, rank])
    layer = layer_of(model)
    expected = answer(model, x, target, layer=layer)
    model.train()
    args = (x, target) if layer is None else (x, target, layer)
    result = call_student(student, model, *args)
    where = "at the default layer" if layer is None else "at an inner layer passed as a module"
    assert_matches(result, expected, rtol=RTOL_IMAGENET, name=name,
                   case=f"on a photo you have not seen, {where}, for a class other than the predicted one, "
                        "with the model handed over in train mode")


def check_compute_cam_mnist(compute_cam) -> None:
    _compare_mnist(compute_cam, reference.cam, "compute_cam")


def check_compute_cam_imagenet(compute_cam) -> None:
    # The 10th most likely class: its raw map has negative parts (the second choice's has
    # none on this photo), so a missing ReLU shows.
    _compare_imagenet(compute_cam, reference.cam, "compute_cam", "rocket", lambda model: None, rank=9)


def check_compute_gradcam_mnist(compute_gradcam) -> None:
    _compare_mnist(compute_gradcam, reference.gradcam, "compute_gradcam")
    _compare_mnist(compute_gradcam, reference.gradcam, "compute_gradcam", layer="act1")


def check_compute_gradcam_imagenet(compute_gradcam) -> None:
    _compare_imagenet(compute_gradcam, reference.gradcam, "compute_gradcam", "astronaut",
                      lambda model: model.blocks[3])


def check_compute_gradcam_plusplus_mnist(compute_gradcam_plusplus) -> None:
    _compare_mnist(compute_gradcam_plusplus, reference.gradcam_plusplus, "compute_gradcam_plusplus")
    _compare_mnist(compute_gradcam_plusplus, reference.gradcam_plusplus, "compute_gradcam_plusplus", layer="act2")


def check_compute_gradcam_plusplus_imagenet(compute_gradcam_plusplus) -> None:
    _compare_imagenet(compute_gradcam_plusplus, reference.gradcam_plusplus, "compute_gradcam_plusplus",
                      "motorcycle", lambda model: model.blocks[5])


class _RecordingExplain:
    """An explanation whose average is known: it returns (a multiple of) its noisy input."""

    def __init__(self, scale: float = 1.0):
        self.calls: list = []
        self.scale = scale

    def __call__(self, model, noisy, class_idx):
        self.calls.append((model, torch.as_tensor(noisy).detach().clone(), class_idx))
        return self.scale * torch.as_tensor(noisy).detach().clone()


def _call_smoothgrad(smoothgrad, explain, model, x, class_idx, **kwargs):
    """The student's smoothgrad under the usual guards (the grader's own explain is not watched)."""
    sources = {label: path for label, path in watched_sources().items() if "grader" not in label}
    snapshot = x.clone()
    x = x.clone()  # the caller's tensor (often a view of the cached test set) is never handed out
    try:
        result, seen = run_watched(smoothgrad, sources, explain, model, x, class_idx, **kwargs)
    except NotImplementedError:
        raise ExerciseNotDone("smoothgrad is not implemented yet.") from None
    for label, qualname in seen.items():
        raise AssertionError(f"smoothgrad called {qualname} from {label}; this exercise asks you to write it "
                             "yourself." if label != CAPTUM else "smoothgrad called Captum; write it yourself.")
    if not torch.equal(x, snapshot):
        raise AssertionError("smoothgrad modified x in place; add the noise to a copy.")
    return result


def _check_calls(explain, model, n_samples, class_idx, noise_std, x, case):
    if len(explain.calls) != n_samples:
        raise AssertionError(f"smoothgrad {case}: explain was called {len(explain.calls)} times instead of n_samples.")
    if any(m is not model or c != class_idx for m, c in ((m, c) for m, _, c in explain.calls)):
        raise AssertionError(f"smoothgrad {case}: pass the model and class_idx on to explain unchanged.")
    noise = torch.stack([noisy.reshape(x.shape) - x for _, noisy, _ in explain.calls]).double()
    spread = noise.std().item()
    if noise_std == 0:
        if spread != 0:
            raise AssertionError(f"smoothgrad {case}: with noise_std=0 the copies must equal the input.")
    elif not abs(spread - noise_std) <= 0.05 * noise_std:
        raise AssertionError(f"smoothgrad {case}: the noise's standard deviation is not noise_std "
                             "(use noise_std * torch.randn_like(x): noise_std is a standard deviation).")
    if noise_std > 0 and not abs(noise.mean().item()) <= 0.05 * noise_std:
        raise AssertionError(f"smoothgrad {case}: the noise should have mean zero.")


def check_smoothgrad_mean(smoothgrad) -> None:
    """An unseen digit, n_samples = 40, noise_std = 0.3, class 7: mean of the explanations, right noise."""
    assert_untampered()
    model = fresh_model("tiny")
    x = load_mnist().x_test[123:124]
    explain = _RecordingExplain(scale=3.0)
    result = _call_smoothgrad(smoothgrad, explain, model, x, 7, n_samples=40, noise_std=0.3)
    case = "with n_samples=40, noise_std=0.3 on an input you have not seen"
    _check_calls(explain, model, 40, 7, 0.3, x, case)
    expected = torch.stack([3.0 * noisy for _, noisy, _ in explain.calls]).mean(0)
    assert_matches(result, expected, rtol=1e-5, name="smoothgrad",
                   case=f"{case} (the result must be the plain mean of what explain returned)")


def check_smoothgrad_defaults(smoothgrad) -> None:
    """The defaults (25 samples, σ = 0.1) and σ = 0 (the explanation itself)."""
    assert_untampered()
    model = fresh_model("tiny")
    x = torch.rand(1, 1, 28, 28, generator=torch.Generator().manual_seed(61))
    explain = _RecordingExplain()
    _call_smoothgrad(smoothgrad, explain, model, x, 2)
    _check_calls(explain, model, 25, 2, 0.1, x, "called with its default n_samples and noise_std")

    def gradient_map(model, noisy, class_idx):
        noisy = torch.as_tensor(noisy).detach().clone().requires_grad_(True)
        return torch.autograd.grad(model(noisy)[0, class_idx], noisy)[0]

    result = _call_smoothgrad(smoothgrad, gradient_map, model, x, 5, n_samples=3, noise_std=0.0)
    assert_matches(result, gradient_map(model, x, 5), rtol=1e-5, name="smoothgrad",
                   case="with noise_std=0 (the result must be the explanation of x itself)")
