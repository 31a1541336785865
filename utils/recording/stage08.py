"""Stage 08's graded test cells: the cascading randomisation test and deletion/insertion curves.

Random re-initialisation cannot be compared value for value (a student's random
draws are not the reference's), so:

- ``randomize_layers`` is judged by *which* parameterised layers of the returned
  copy differ from the original (a 0/1 vector, :func:`randomised_layers`), with
  models whose every layer differs from any initialisation;
- ``model_randomization_test`` is called with an explain function whose map
  depends only on which layers of the model it is given were randomised
  (:class:`CascadeExplain`), so its curve has exact values whatever the draws,
  and the record shows which models explain was given.

The curves and correlations themselves are deterministic and compared with the
answer key's values.
"""

from __future__ import annotations

import numpy as np
import torch
import torchvision
import torchvision.transforms.functional as TF
from torch import nn

from ._cases import Case, HiddenTest, fresh_model, mnist_digits, photo, ranked_class, register
from .pixel_attribution import OTHER_CLASS

# A rank correlation of maps of at most a few thousand entries: float32 arithmetic is
# within 1e-5 of the float64 answer; signed for absolute values, ordinal ranks for tied
# ones, or another pair of maps are off by more than 0.05.
CORRELATION_TOLERANCE = 1e-4
# Softmax probabilities from the same float32 forward passes batched differently: within
# 1e-5. Ascending order, |attribution| instead of the channel sum, logits, train mode
# or a missing step are off by more than 0.01 at some point of the curve.
CURVE_TOLERANCE = 1e-4
# The trapezoid rule in float64 against float32 sums: 1e-7; dx = 1 instead of 1/(K-1),
# a plain mean or a Riemann sum are off by more than 1e-2 on these curves.
AREA_TOLERANCE = 1e-6


def parameterised_names(model: nn.Module) -> list[str]:
    """Names of the modules that own parameters directly, in ``named_modules()`` order (input side first)."""
    return [name for name, module in model.named_modules() if next(module.parameters(recurse=False), None) is not None]


def _layer_differs(original: nn.Module, other: nn.Module) -> bool:
    mine, theirs = list(original.parameters(recurse=False)), list(other.parameters(recurse=False))
    if len(mine) != len(theirs) or any(p.shape != q.shape for p, q in zip(mine, theirs)):
        raise TypeError("the returned model's layers do not have the original's parameters; return a copy of the "
                        "model (copy.deepcopy(model)) with some layers re-initialised")
    return any(not torch.equal(p.detach(), q.detach()) for p, q in zip(mine, theirs))


def randomised_layers(case: Case, value) -> torch.Tensor:
    """1 for each parameterised layer of the original model whose parameters differ in ``value``, else 0."""
    original = case.args[0]
    if not isinstance(value, nn.Module):
        raise TypeError(f"randomize_layers returned a {type(value).__name__}; return the randomised copy of the "
                        "model (a torch.nn.Module)")
    flags = []
    for name in parameterised_names(original):
        try:
            layer = value.get_submodule(name)
        except AttributeError:
            raise TypeError(f"the returned model has no layer {name!r}; return a copy of the whole model "
                            "(copy.deepcopy(model)) with some layers re-initialised") from None
        flags.append(1.0 if _layer_differs(original.get_submodule(name), layer) else 0.0)
    return torch.tensor(flags, dtype=torch.float64)


def moved_from_initialisation(model: nn.Module, seed: int) -> nn.Module:
    """``model`` with every parameter and batch-norm statistic moved by seeded noise, so that re-initialising
    any layer (batch norm's γ = 1, β = 0 included) changes it, whatever initialiser a solution uses."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in (*model.named_parameters(), *model.named_buffers()):
            if tensor.is_floating_point():
                tensor.add_(0.3 * torch.randn(tensor.shape, generator=generator))
                if name.endswith("running_var"):
                    tensor.abs_().add_(0.05)
    return model.eval()


def unseen_net(seed: int = 81) -> nn.Module:
    """Convolutions with batch norm, a parameter-free block, a shared layer and two Linear layers."""
    torch.manual_seed(seed)
    shared = nn.Conv2d(8, 8, 3, padding=1)
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
        nn.Sequential(shared, nn.ReLU(), shared, nn.MaxPool2d(2)),
        nn.Conv2d(8, 16, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU6(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(16, 12), nn.LeakyReLU(0.1), nn.Dropout(0.2), nn.Linear(12, 5),
    )
    return moved_from_initialisation(model, seed)


# ---- randomize_layers ----------------------------------------------------------------

def _randomize_visible() -> list[Case]:
    model = fresh_model("tiny")
    return [Case(f"on TinyGradCAMNet with n_layers={n}, as in the visible test", (model, n), model=model)
            for n in (2, 0)]


def _randomize_hidden() -> list[Case]:
    cases = []
    for n, seed in ((1, 0), (3, 5), (6, 11)):
        model = unseen_net()
        cases.append(Case(f"on a network you have not seen (batch norm, a shared layer, two Linear layers) with "
                          f"n_layers={n}, seed={seed}, handed over in train mode", (model, n), {"seed": seed},
                          model=model, train_mode=True))
    model = fresh_model("imagenet")
    cases.append(Case("on EfficientNet-Lite0 with n_layers=5 (a Linear, batch-norm and convolution layers)",
                      (model, 5), model=model))
    torch.manual_seed(82)
    model = moved_from_initialisation(torchvision.models.resnet18(weights=None), 82)
    cases.append(Case("on ResNet-18 with n_layers=4 (its classifier, then batch-norm and convolution layers of its "
                      "last block)", (model, 4), model=model))
    return cases


# ---- rank_correlation ----------------------------------------------------------------

def _correlation_visible() -> list[Case]:
    a = torch.tensor([[1.0, -2.0], [3.0, 4.0]])
    return [Case("for two signed maps of four values (absolute=True by default), as in the visible test",
                 (a, torch.tensor([[1.0, 3.0], [-2.0, 4.0]]))),
            Case("for a map and its negative (absolute=True by default)", (a, -a)),
            Case("for a map and its negative with absolute=False", (a, -a), {"absolute": False})]


def _gradient(model, x, target) -> torch.Tensor:
    x = x.clone().requires_grad_(True)
    return torch.autograd.grad(model.eval()(x)[0, target], x)[0].detach()


def _correlation_hidden() -> list[Case]:
    model, (digit,) = fresh_model("tiny"), mnist_digits(321)
    first = _gradient(model, digit, ranked_class(model, digit, 0))
    second = _gradient(model, digit, ranked_class(model, digit))
    generator = torch.Generator().manual_seed(83)
    noise = torch.randn(1, 3, 20, 24, generator=generator, dtype=torch.float64)
    sparse = torch.relu(torch.randn(6, 9, generator=generator)).round(decimals=1)
    return [
        Case("for the gradient maps of two classes of a digit you have not seen (signed maps, absolute=True)",
             (first, second)),
        Case("for the same two maps with absolute=False", (first, second), {"absolute": False}),
        Case("for a signed map and the same map with some signs flipped (absolute=True compares |values|)",
             (noise, noise * torch.sign(torch.randn(noise.shape, generator=generator, dtype=torch.float64)))),
        Case("for two NumPy maps with many tied values (tied values share the mean of their ranks)",
             (sparse.numpy(), torch.relu(sparse + 0.2 * torch.randn(6, 9, generator=generator)).round(
                 decimals=1).numpy())),
        Case("for a constant map and another (a constant map has no ranking: 0.0)",
             (torch.full((5, 5), 0.25), torch.rand(5, 5, generator=generator))),
    ]


# ---- model_randomization_test --------------------------------------------------------

class CascadeExplain:
    """An explanation whose map depends only on which layers of the model it is given were randomised.

        map = base + Σ_{j randomised} perturbation_j          (fixed, seeded, of x's shape)

    It keeps, for each call, which of the original's parameterised layers differ
    (1) or not (0) in the model it was given, and whether x and the class were
    passed on unchanged.
    """

    def __init__(self, model: nn.Module, x: torch.Tensor, target: int, seed: int = 0):
        self.names = parameterised_names(model)
        self.original = {name: [p.detach().clone() for p in model.get_submodule(name).parameters(recurse=False)]
                         for name in self.names}
        self.x, self.target = x.detach().clone(), target
        generator = torch.Generator().manual_seed(seed)
        self.base = torch.randn(x.shape, generator=generator, dtype=torch.float64)
        self.perturbations = torch.randn((len(self.names), *x.shape), generator=generator, dtype=torch.float64)
        self.calls: list = []
        self.__name__ = "explain"

    def _flags(self, model) -> list[float]:
        flags = []
        for name in self.names:
            try:
                params = list(model.get_submodule(name).parameters(recurse=False))
            except AttributeError:
                return [-1.0] * len(self.names)
            original = self.original[name]
            if len(params) != len(original) or any(p.shape != q.shape for p, q in zip(params, original)):
                return [-1.0] * len(self.names)
            flags.append(float(any(not torch.equal(p.detach(), q) for p, q in zip(params, original))))
        return flags

    def __call__(self, model, x, target):
        flags = self._flags(model) if isinstance(model, nn.Module) else [-1.0] * len(self.names)
        try:
            same_input = torch.equal(torch.as_tensor(x).detach().reshape(self.x.shape).to(self.x.dtype), self.x)
        except (RuntimeError, TypeError, ValueError):
            same_input = False
        try:
            same_class = int(target) == self.target
        except (TypeError, ValueError, RuntimeError):
            same_class = False
        self.calls.append((flags, same_input, same_class))
        weights = torch.tensor([max(f, 0.0) for f in flags], dtype=torch.float64)
        return self.base + torch.einsum("l,l...->...", weights, self.perturbations)

    def to_record(self, prefix: str, arrays: dict) -> dict:
        """The flags of every call as ``arrays[prefix + "_flags"]`` (calls × layers); the rest for the judge."""
        if self.calls:
            arrays[f"{prefix}_flags"] = np.array([flags for flags, _, _ in self.calls], dtype=np.float64)
        return {"count": len(self.calls), "inputs_passed_on": all(s for _, s, _ in self.calls),
                "class_passed_on": all(c for _, _, c in self.calls)}


# The notebook's first digit (an 8): mnist.x_test[803].
NOTEBOOK_FIRST_DIGIT = 803


def _cascade_case(model, x, target, layers, what, train_mode=False) -> Case:
    return Case(what, (CascadeExplain(model, x, target), model, x, target, layers), model=model, train_mode=train_mode)


def _cascade_visible() -> list[Case]:
    from utils.data import load_mnist

    model, (digit,) = fresh_model("tiny"), mnist_digits(NOTEBOOK_FIRST_DIGIT)
    return [_cascade_case(model, digit, int(load_mnist().y_test[NOTEBOOK_FIRST_DIGIT]), [1, 2],
                          "on TinyGradCAMNet and the notebook's first digit with layers=[1, 2], with an explain whose "
                          "map changes in a known way with each randomised layer")]


def _cascade_hidden() -> list[Case]:
    model = unseen_net()
    x = torch.rand(1, 3, 16, 16, generator=torch.Generator().manual_seed(84))
    cases = [_cascade_case(model, x, 3, [1, 3, 7], "on a network you have not seen with layers=[1, 3, 7], with an "
                           "explain whose map changes in a known way with each randomised layer, the model handed over "
                           "in train mode", train_mode=True)]
    imagenet, rocket = fresh_model("imagenet"), photo("rocket")
    cases.append(_cascade_case(imagenet, rocket[..., :32, :32].clone(), ranked_class(imagenet, rocket), [2, 6],
                               "on EfficientNet-Lite0 with layers=[2, 6], with an explain whose map changes in a known "
                               "way with each randomised layer"))
    return cases


# ---- deletion and insertion ----------------------------------------------------------

def toy_linear_model() -> nn.Module:
    """Two classes over a (1, 1, 2, 2) input: logit_1 = 3·x₀ + 2·x₁ + 1·x₂ + 0·x₃, logit_0 = 0 (the form tests')."""
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    with torch.no_grad():
        model[1].weight.copy_(torch.tensor([[0.0, 0.0, 0.0, 0.0], [3.0, 2.0, 1.0, 0.0]]))
        model[1].bias.zero_()
    return model.eval()


def _toy_visible(insert: bool) -> list[Case]:
    model = toy_linear_model()
    weights = torch.tensor([[[[3.0, 2.0], [1.0, 0.0]]]])
    x, baseline = torch.ones(1, 1, 2, 2), torch.zeros(1, 1, 2, 2)
    what = "on a 2x2 linear model with attribution = its weights and steps=4"
    return [Case(what, (model, x, 1, weights, 4, baseline), model=model),
            Case(what.replace("attribution = its weights", "the attribution shuffled"),
                 (model, x, 1, torch.tensor([[[[0.0, 2.0], [3.0, 1.0]]]]), 4, baseline), model=model)]


def _deletion_mnist(insert: bool) -> list[Case]:
    model = fresh_model("tiny")
    generator = torch.Generator().manual_seed(85 + insert)
    cases = []
    for x, steps in zip(mnist_digits(77, 512) if not insert else mnist_digits(140, 733), (16, 49)):
        target = ranked_class(model, x, 0)
        attribution = _gradient(model, x, target).to(torch.float64)
        cases.append(Case(f"on a digit you have not seen with its signed gradient map, a zero baseline and "
                          f"steps={steps}", (model, x, target, attribution, steps, torch.zeros_like(x)), model=model,
                          train_mode=True))
    x = mnist_digits(901 if not insert else 902)[0]
    target = ranked_class(model, x)
    attribution = torch.randn(1, 1, 28, 28, generator=generator, dtype=torch.float64)
    baseline = torch.rand(x.shape, generator=generator)
    cases.append(Case(f"on a digit you have not seen {OTHER_CLASS}, a random map and a noise baseline, steps=28",
                      (model, x, target, attribution, 28, baseline), model=model))
    return cases + [_tied_scores_mnist(insert)]


def _tied_scores_mnist(insert: bool) -> Case:
    """Gradient×Input on a digit: exactly 0 on its black background, so most pixels tie. With a noise baseline,
    which of the tied pixels change first moves the curve by up to 0.1-0.98, so only the stable order (ties in
    row-major order) passes; torch.argsort(descending=True) without stable=True and NumPy's default quicksort
    pass every case above."""
    model, x = fresh_model("tiny"), mnist_digits(416 if insert else 415)[0]
    target = ranked_class(model, x, 0)
    attribution = (_gradient(model, x, target) * x).to(torch.float64)
    baseline = torch.rand(x.shape, generator=torch.Generator().manual_seed(91))
    steps = 10 if insert else 20
    return Case(f"on a digit you have not seen with its Gradient×Input map (exactly 0 on the background: most pixels "
                f"tie, and tied pixels change in row-major order), a noise baseline and steps={steps}",
                (model, x, target, attribution, steps, baseline), model=model)


def _deletion_imagenet(name: str, insert: bool) -> list[Case]:
    model, x = fresh_model("imagenet"), photo(name)
    target = ranked_class(model, x, 0)
    generator = torch.Generator().manual_seed(87 + insert)
    # a smooth, signed three-channel map (so the channel sum, not |.|, decides the order)
    coarse = torch.randn(1, 3, 7, 7, generator=generator, dtype=torch.float64)
    attribution = torch.nn.functional.interpolate(coarse, size=(224, 224), mode="bicubic", align_corners=False)
    attribution = attribution + 1e-3 * torch.randn(attribution.shape, generator=generator, dtype=torch.float64)
    baseline = TF.gaussian_blur(x, kernel_size=[15, 15], sigma=[4.0, 4.0]) if insert else -torch.ones_like(x)
    kind = "a blurred copy" if insert else "black"
    return [Case(f"on a photo you have not seen with a signed three-channel map, {kind} as the baseline and steps=8, "
                 "the model handed over in train mode", (model, x, target, attribution, 8, baseline), model=model,
                 train_mode=True)]


# ---- area_under_curve ----------------------------------------------------------------

def _area_visible() -> list[Case]:
    return [Case("for the curve [1, 0.5, 0], as in the visible test", (torch.tensor([1.0, 0.5, 0.0]),)),
            Case("for the curve [0, 1, 1, 1, 1], as in the visible test", (torch.tensor([0.0, 1.0, 1.0, 1.0, 1.0]),))]


def _area_hidden() -> list[Case]:
    generator = torch.Generator().manual_seed(89)
    what = "points you have not seen (the trapezoid rule, the points spaced 1/(K-1) over [0, 1])"
    return [Case(f"for a curve of {k} {what}", (torch.rand(k, generator=generator),)) for k in (2, 9, 101)] + \
        [Case("for a curve given as a NumPy array", (torch.rand(17, generator=generator).numpy(),)),
         Case("for a curve with a batch dimension (1, 33)", (torch.rand(1, 33, generator=generator),))]


register(
    HiddenTest("test_randomize_layers_form", "randomize_layers", _randomize_visible, rule="layers",
               expected="randomize_layers", summary=randomised_layers),
    HiddenTest("test_randomize_layers_hidden", "randomize_layers", _randomize_hidden, rule="layers",
               expected="randomize_layers", summary=randomised_layers),
    HiddenTest("test_rank_correlation_form", "rank_correlation", _correlation_visible, rule="number",
               expected="rank_correlation", rtol=CORRELATION_TOLERANCE),
    HiddenTest("test_rank_correlation_hidden", "rank_correlation", _correlation_hidden, rule="number",
               expected="rank_correlation", rtol=CORRELATION_TOLERANCE),
    HiddenTest("test_model_randomization_test_form", "model_randomization_test", _cascade_visible, rule="cascade",
               expected="model_randomization_test", rtol=CORRELATION_TOLERANCE),
    HiddenTest("test_model_randomization_test_hidden", "model_randomization_test", _cascade_hidden, rule="cascade",
               expected="model_randomization_test", rtol=CORRELATION_TOLERANCE),
    HiddenTest("test_deletion_curve_form", "deletion_curve", lambda: _toy_visible(False), rule="curve",
               expected="deletion_curve", rtol=CURVE_TOLERANCE),
    HiddenTest("test_deletion_curve_hidden_mnist", "deletion_curve", lambda: _deletion_mnist(False), rule="curve",
               expected="deletion_curve", rtol=CURVE_TOLERANCE),
    HiddenTest("test_deletion_curve_hidden_imagenet", "deletion_curve", lambda: _deletion_imagenet("rocket", False),
               rule="curve", expected="deletion_curve", rtol=CURVE_TOLERANCE),
    HiddenTest("test_insertion_curve_form", "insertion_curve", lambda: _toy_visible(True), rule="curve",
               expected="insertion_curve", rtol=CURVE_TOLERANCE),
    HiddenTest("test_insertion_curve_hidden", "insertion_curve",
               lambda: _deletion_mnist(True) + _deletion_imagenet("motorcycle", True), rule="curve",
               expected="insertion_curve", rtol=CURVE_TOLERANCE),
    HiddenTest("test_area_under_curve_form", "area_under_curve", _area_visible, rule="number",
               expected="area_under_curve", rtol=AREA_TOLERANCE),
    HiddenTest("test_area_under_curve_hidden", "area_under_curve", _area_hidden, rule="number",
               expected="area_under_curve", rtol=AREA_TOLERANCE),
)
