"""Stage 06's graded test cells: CAM, Grad-CAM, Grad-CAM++ and SmoothGrad.

The CAM family is compared with the answer key's maps. SmoothGrad cannot be
compared value for value (the student's noise draws are not the reference's), so
it is called with explain functions whose average is known whatever the draws are:

- a recording explain that returns (a multiple of) its noisy input: the record keeps
  every noisy input, so the judge can check that the result is their mean, that
  explain ran n_samples times with the asked class, and that the noise is fresh for
  each sample, centred and of standard deviation noise_std;
- noise_std = 0: the result must equal explain(model, x, class_idx) itself.
"""

from __future__ import annotations

import numpy as np
import torch

from ._cases import Case, HiddenTest, fresh_model, mnist_digits, photo, ranked_class, register
from .pixel_attribution import OTHER_CLASS

# Min-max normalised maps, measured (docs/tolerances.md): correct answers agree within 1e-6 on MNIST; on
# EfficientNet-Lite0, Grad-CAM's spread up to 3.0e-3 (its ReLU6 kinks under another memory format or CPU kernels).
# Missing ReLU, absolute gradients, plain Grad-CAM for Grad-CAM++, no normalisation, the predicted class or a layer
# before the activation are off by more than 10 %.
RTOL_MNIST = 1e-3
RTOL_IMAGENET = 2e-2


def _visible_digit(index: int, layers=(None,)) -> list[Case]:
    from utils.data import load_mnist

    model, (x,) = fresh_model("tiny"), mnist_digits(index)
    label = int(load_mnist().y_test[index])
    return [Case(f"on the notebook's digit {index} for its label{'' if layer is None else f' at layer {layer!r}'}, "
                 "as in the visible test", (model, x, label) if layer is None else (model, x, label, layer),
                 model=model) for layer in layers]


# The notebook's digits: one per class, the fifth of each in the test set (sorted by class, 100 per class).
EIGHT, THREE = 804, 304


def _two_squares(method: str) -> list[Case]:
    """The hand-built network of ``utils.known_cases`` (one channel for the class, one against it), as the visible test."""
    from utils.known_cases import two_squares_case

    model, x, target = two_squares_case()
    return [Case(f"on the hand-built two-squares network of the visible test ({method})", (model, x, target),
                 model=model)]


def _visible_photo_plusplus() -> list[Case]:
    """The photo at blocks.4, the two squares, and the digit on the network and on its rewritten twin."""
    from utils.known_cases import equivalent_model
    from utils.data import load_mnist, load_photo

    model, shown = fresh_model("imagenet"), load_photo("chelsea")
    tiny, (digit,) = fresh_model("tiny"), mnist_digits(EIGHT)
    twin, label = equivalent_model(fresh_model("tiny")), int(load_mnist().y_test[EIGHT])
    return [Case("on the notebook's photo at blocks.4, as in the visible test",
                 (model, shown.tensor[None].clone(), shown.label, "blocks.4"), model=model),
            *_two_squares("Grad-CAM++"),
            Case("on the notebook's 8 for its label, as in the visible test", (tiny, digit, label), model=tiny),
            Case("on the notebook's 8 for its label, with the network rewritten (act3 1000 times smaller, fc 1000 "
                 "times larger), as in the visible test", (twin, digit.clone(), label), model=twin)]


def _digits(layer=None) -> list[Case]:
    # Handed over in train mode, like the ImageNet model (TinyGradCAMNet has no dropout
    # or batch norm, so this only checks that the mode is tolerated and restored).
    model = fresh_model("tiny")
    where = "at its default layer" if layer is None else f"at layer {layer!r}"
    return [Case(f"on an MNIST digit you have not seen, {where}, {OTHER_CLASS}",
                 (model, x, ranked_class(model, x)) if layer is None else (model, x, ranked_class(model, x), layer),
                 model=model, train_mode=True) for x in mnist_digits(66, 901)]


def _photo(name: str, layer_of, rank: int = 1) -> list[Case]:
    """``rank``: which class to explain, by the model's ranking (1 = its second choice)."""
    model, x = fresh_model("imagenet"), photo(name)
    layer = layer_of(model)
    where = "at the default layer" if layer is None else "at an inner layer passed as a module"
    args = (model, x, ranked_class(model, x, rank)) + (() if layer is None else (layer,))
    return [Case(f"on a photo you have not seen, {where}, {OTHER_CLASS}, with the model handed over in train mode",
                 args, model=model, train_mode=True)]


class RecordingExplain:
    """An explanation whose average is known: it returns ``scale`` times its noisy input, and keeps each call."""

    def __init__(self, model, scale: float = 1.0):
        self.model, self.scale = model, scale
        self.calls: list = []
        self.__name__ = "explain"

    def __call__(self, model, noisy, class_idx):
        self.calls.append((model, torch.as_tensor(noisy).detach().clone(), class_idx))
        return self.scale * torch.as_tensor(noisy).detach().clone()

    def to_record(self, prefix: str, arrays: dict) -> dict:
        """The noisy inputs as ``arrays[prefix + "_noisy"]``; classes and model identity for the judge."""
        if self.calls:
            arrays[f"{prefix}_noisy"] = np.stack([n.to(torch.float64).reshape(-1).numpy() for _, n, _ in self.calls])

        def as_int(c):
            try:
                return int(c)
            except (TypeError, ValueError, RuntimeError):
                return -1

        return {"count": len(self.calls), "classes": [as_int(c) for _, _, c in self.calls],
                "model_passed_on": all(m is self.model for m, _, _ in self.calls)}


def gradient_map(model, noisy, class_idx):
    """∂y_c/∂x at ``noisy``: the explanation used for the noise_std = 0 case."""
    noisy = torch.as_tensor(noisy).detach().clone().requires_grad_(True)
    return torch.autograd.grad(model(noisy)[0, class_idx], noisy)[0]


def _smoothgrad_visible() -> list[Case]:
    model = fresh_model("tiny")
    return [Case("with n_samples=7, noise_std=0.5 on an all-zero 8x8 input, as in the visible test",
                 (RecordingExplain(model, 2.0), model, torch.zeros(1, 1, 8, 8), 3), {"n_samples": 7, "noise_std": 0.5},
                 model=model)]


def _smoothgrad_mean() -> list[Case]:
    model, (x,) = fresh_model("tiny"), mnist_digits(123)
    return [Case("with n_samples=40, noise_std=0.3 on an input you have not seen",
                 (RecordingExplain(model, 3.0), model, x, 7), {"n_samples": 40, "noise_std": 0.3}, model=model)]


def _smoothgrad_defaults() -> list[Case]:
    model = fresh_model("tiny")
    x = torch.rand(1, 1, 28, 28, generator=torch.Generator().manual_seed(61))
    return [Case("called with its default n_samples and noise_std", (RecordingExplain(model), model, x, 2), model=model),
            Case("with noise_std=0 (the result must be the explanation of x itself)", (gradient_map, model, x, 5),
                 {"n_samples": 3, "noise_std": 0.0}, model=model)]


def _map(grade_id, function, cases, expected, rtol):
    return HiddenTest(grade_id, function, cases, expected=expected, rtol=rtol, mistakes=("no_relu",))


register(
    _map("test_compute_cam_form", "compute_cam", lambda: _visible_digit(EIGHT) + _two_squares("CAM"), "cam", RTOL_MNIST),
    _map("test_compute_cam_hidden_mnist", "compute_cam", _digits, "cam", RTOL_MNIST),
    # The 10th most likely class: its raw map has negative parts (the second choice's has
    # none on this photo), so a missing ReLU shows.
    _map("test_compute_cam_hidden_imagenet", "compute_cam", lambda: _photo("rocket", lambda m: None, rank=9), "cam",
         RTOL_IMAGENET),
    _map("test_compute_gradcam_form", "compute_gradcam",
         lambda: _visible_digit(THREE, (None, "act2")) + _two_squares("Grad-CAM"), "gradcam", RTOL_MNIST),
    _map("test_compute_gradcam_hidden_mnist", "compute_gradcam", lambda: _digits() + _digits("act1"), "gradcam",
         RTOL_MNIST),
    _map("test_compute_gradcam_hidden_imagenet", "compute_gradcam", lambda: _photo("astronaut", lambda m: m.blocks[3]),
         "gradcam", RTOL_IMAGENET),
    _map("test_compute_gradcam_plusplus_form", "compute_gradcam_plusplus", _visible_photo_plusplus, "gradcam_plusplus",
         RTOL_IMAGENET),
    _map("test_compute_gradcam_plusplus_hidden_mnist", "compute_gradcam_plusplus", lambda: _digits() + _digits("act2"),
         "gradcam_plusplus", RTOL_MNIST),
    _map("test_compute_gradcam_plusplus_hidden_imagenet", "compute_gradcam_plusplus",
         lambda: _photo("motorcycle", lambda m: m.blocks[5]), "gradcam_plusplus", RTOL_IMAGENET),
    HiddenTest("test_smoothgrad_form", "smoothgrad", _smoothgrad_visible, rule="smoothgrad"),
    HiddenTest("test_smoothgrad_hidden_mean", "smoothgrad", _smoothgrad_mean, rule="smoothgrad"),
    HiddenTest("test_smoothgrad_hidden_defaults", "smoothgrad", _smoothgrad_defaults, rule="smoothgrad"),
)
