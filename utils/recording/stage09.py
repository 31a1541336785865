"""Stage 09's graded test cells: HiResCAM, XGrad-CAM, LayerCAM and Expected Gradients.

The three CAMs are compared with the answer key's maps at inner layers, where the classic mistakes (Grad-CAM's
spatial mean, a ReLU on the gradient or none, the wrong normaliser) give other maps; HiResCAM's raw map is graded at
TinyGradCAMNet's pooled layer by the identity it must satisfy there: its sum is the logit minus the bias. Expected
Gradients is random: it is judged by what its draws must average to (rule "expectation"), on linear models, where
the expectation is w ⊙ (x − mean(background)), and on MNIST digits, by completeness in expectation; and by its
generator (seeded alike: the same result; otherwise, or without one: a fresh draw).
"""

from __future__ import annotations

import torch
from torch import nn

from ._cases import Case, HiddenTest, fresh_model, mnist_digits, photo, ranked_class, register

# Min-max normalised maps, as stage 06's (docs/tolerances.md has the spread measured for these tests).
RTOL_MNIST = 1e-3
RTOL_IMAGENET = 2e-2
# The sum of a raw map against the logit minus the bias: float32 sums over 28 × 28 positions.
RTOL_SUM = 1e-4

# The notebook's digits: the fifth of each class in the test set (sorted by class, 100 per class).
EIGHT, THREE = 804, 304
CAM_MISTAKES = {"compute_hirescam": ("no_relu", "gradient_mean", "relu_on_gradient"),
                "compute_xgradcam": ("no_relu", "xgradcam_normaliser"),
                "compute_layercam": ("no_relu", "no_gradient_relu", "gradient_mean")}
ANSWER = {"compute_hirescam": "hirescam", "compute_xgradcam": "xgradcam", "compute_layercam": "layercam"}


def _digit_cases(indices, layers, labelled: bool, raw: bool = False) -> list[Case]:
    from utils.data import load_mnist

    cases = []
    for index in indices:
        model, (x,) = fresh_model("tiny"), mnist_digits(index)
        target = int(load_mnist().y_test[index]) if labelled else ranked_class(model, x)
        for layer in layers:
            where = "at its default layer" if layer is None else f"at layer {layer!r}"
            whose = "for its label" if labelled else "for a class other than the predicted one"
            args = (model, x.clone(), target) + (() if layer is None else (layer,))
            cases.append(Case(f"on {'the notebook' if labelled else 'a'} digit {whose} {where}"
                              + (" with raw=True" if raw else ""), args, {"raw": True} if raw else {},
                              model=model, train_mode=not labelled))
    return cases


def _two_squares() -> list[Case]:
    from utils.known_cases import two_squares_case

    model, x, target = two_squares_case()
    return [Case("on the hand-built two-squares network of the visible test", (model, x, target), model=model)]


def _dead_channel() -> list[Case]:
    from utils.known_cases import dead_channel_case

    model, x, target = dead_channel_case()
    return [Case("on a network with a channel that is never active (its sum over the positions is 0)",
                 (model, x, target), model=model)]


def _photo(name: str, layer: str, rank: int = 1) -> list[Case]:
    model, x = fresh_model("imagenet"), photo(name)
    return [Case(f"on a photo you have not seen at layer {layer!r}, for a class other than the predicted one, with "
                 "the model handed over in train mode", (model, x, ranked_class(model, x, rank), layer),
                 model=model, train_mode=True)]


def _map(grade_id, function, cases, rtol, mistakes=None):
    return HiddenTest(grade_id, function, cases, expected=ANSWER[function], rtol=rtol,
                      mistakes=CAM_MISTAKES[function] if mistakes is None else mistakes)


def map_sum(_case: Case, value) -> torch.Tensor:
    """Σ_ij of the returned map, as one number (1,)."""
    return torch.as_tensor(value).detach().to(torch.float64).sum().reshape(1)


# --- Expected Gradients ----------------------------------------------------------------------------------------

def _linear_model(seed: int) -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    """F(x) = W·x + b over (1, 3, 4, 4) inputs, 5 classes, float64; an input and 12 background inputs."""
    generator = torch.Generator().manual_seed(seed)
    model = nn.Sequential(nn.Flatten(), nn.Linear(48, 5)).double().eval()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator, dtype=torch.float64))
    x = torch.randn(1, 3, 4, 4, generator=generator, dtype=torch.float64)
    background = torch.rand(12, 3, 4, 4, generator=generator, dtype=torch.float64) * 2 - 1
    return model, x, background


def _seeded(seed):
    return None if seed is None else torch.Generator().manual_seed(seed)


def _eg_linear(seeds, n_samples=None) -> list[Case]:
    model, x, background = _linear_model(70)
    kwargs = {} if n_samples is None else {"n_samples": n_samples}
    samples = "the default n_samples" if n_samples is None else f"n_samples={n_samples}"
    return [Case(f"on a linear model with {samples} and " + ("no generator" if seed is None else
                                                             f"a generator seeded with {seed}"),
                 (model, x.clone(), 3, background.clone()), {**kwargs, "generator": _seeded(seed)}, model=model)
            for seed in seeds]


def _eg_digits() -> list[Case]:
    from utils.data import load_mnist

    background = load_mnist().x_test[::97][:32].clone()
    cases = []
    for index, seed in ((66, 3), (66, 3), (901, 4)):
        model, (x,) = fresh_model("tiny"), mnist_digits(index)
        cases.append(Case(f"on an MNIST digit you have not seen, 32 digits as the background, n_samples=512, a "
                          f"generator seeded with {seed}", (model, x, ranked_class(model, x, 0), background.clone()),
                          {"n_samples": 512, "generator": _seeded(seed)}, model=model, train_mode=True))
    return cases


register(
    # The form tests' pooled-layer cases (the default layer, the two squares) are where Grad-CAM's mean and one
    # normaliser for every channel give the right map: only the mistakes that differ on every case are named.
    _map("test_compute_hirescam_form", "compute_hirescam",
         lambda: _digit_cases([EIGHT], [None, "act2"], labelled=True) + _two_squares(), RTOL_MNIST,
         mistakes=("no_relu", "relu_on_gradient")),
    HiddenTest("test_compute_hirescam_sum_identity", "compute_hirescam",
               lambda: _digit_cases([THREE, 66, 901], ["act3"], labelled=False, raw=True), expected="hirescam",
               rtol=RTOL_SUM, summary=map_sum, mistakes=("raw_ignored",)),
    _map("test_compute_hirescam_hidden_mnist", "compute_hirescam",
         lambda: _digit_cases([66, 901], ["act1", "act2"], labelled=False), RTOL_MNIST),
    _map("test_compute_hirescam_hidden_imagenet", "compute_hirescam", lambda: _photo("astronaut", "blocks.4"),
         RTOL_IMAGENET),
    _map("test_compute_xgradcam_form", "compute_xgradcam",
         lambda: _digit_cases([EIGHT], ["act2"], labelled=True) + _two_squares() + _dead_channel(), RTOL_MNIST,
         mistakes=("no_relu",)),
    _map("test_compute_xgradcam_hidden_mnist", "compute_xgradcam",
         lambda: _digit_cases([66, 901], ["act1", "act2"], labelled=False)
         + _digit_cases([123], ["act1"], labelled=False, raw=True), RTOL_MNIST),
    _map("test_compute_xgradcam_hidden_imagenet", "compute_xgradcam", lambda: _photo("motorcycle", "bn2"),
         RTOL_IMAGENET),
    _map("test_compute_layercam_form", "compute_layercam",
         lambda: _digit_cases([THREE], ["act1"], labelled=True) + _two_squares(), RTOL_MNIST),
    _map("test_compute_layercam_hidden_mnist", "compute_layercam",
         lambda: _digit_cases([66, 901], ["act1", "act2"], labelled=False)
         + _digit_cases([123], ["act2"], labelled=False, raw=True), RTOL_MNIST),
    _map("test_compute_layercam_hidden_imagenet", "compute_layercam", lambda: _photo("rocket", "blocks.2"),
         RTOL_IMAGENET),
    HiddenTest("test_expected_gradients_form", "expected_gradients", lambda: _eg_linear([1, 1, 2], n_samples=400),
               rule="expectation", expected="expected_gradients"),
    HiddenTest("test_expected_gradients_hidden_defaults", "expected_gradients", lambda: _eg_linear([None, None]),
               rule="expectation", expected="expected_gradients"),
    HiddenTest("test_expected_gradients_hidden_mnist", "expected_gradients", _eg_digits,
               rule="expectation", expected="expected_gradients"),
)
