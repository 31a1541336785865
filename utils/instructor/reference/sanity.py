"""Sanity checks for saliency maps, Adebayo et al. 2018: cascading model-parameter randomisation.

A map that explains the model must change when the model's learned weights are
destroyed. The test randomises the network's parameterised layers from the
output side down, one more at each step, and measures how similar each map
stays to the map of the trained model (Spearman rank correlation of absolute
values, as in the paper).
"""

from __future__ import annotations

import copy
import numbers
from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn

from utils.device import own_random_state
from utils.models import evaluating

from ._validation import check_model


def parameterised_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """(name, module) for every module that owns parameters directly, in ``model.named_modules()`` order.

    "Directly": ``module.parameters(recurse=False)`` is not empty, so Conv2d,
    Linear, BatchNorm (and timm's BatchNormAct2d) count, containers and
    parameter-free activations do not. ``named_modules()`` lists a module once
    (even when it is used twice) in the order the modules were registered,
    which for the course's models is the order of the forward pass: the last
    entries are the top (output side) of the network.
    """
    check_model(model)
    return [(name, module) for name, module in model.named_modules()
            if next(module.parameters(recurse=False), None) is not None]


def _reinitialise(module: nn.Module, seed: int) -> None:
    """Re-draw one layer's parameters with its own initialiser, right after ``torch.manual_seed(seed)``.

    ``reset_parameters()`` is PyTorch's default initialisation of the layer
    (Kaiming-uniform for Conv2d and Linear; for batch norm γ = 1, β = 0 and the
    running statistics reset to mean 0, variance 1). A layer without it has
    each of its own parameters drawn from a truncated normal, σ = 0.01 (the
    paper's choice).

    The draw happens on a CPU copy of the layer, from the CPU generator, and the
    values are then copied into the layer's own tensors (on its own device, in
    its own dtype and memory layout): the same seed gives the same weights on a
    CPU and on a GPU, whose generators draw different numbers.
    """
    drawn = copy.deepcopy(module).to("cpu")
    torch.manual_seed(seed)
    if callable(getattr(drawn, "reset_parameters", None)):
        drawn.reset_parameters()
    else:
        with torch.no_grad():
            for parameter in drawn.parameters(recurse=False):
                nn.init.trunc_normal_(parameter, std=0.01, a=-0.02, b=0.02)
    drawn_tensors = {**dict(drawn.named_parameters()), **dict(drawn.named_buffers())}
    with torch.no_grad():  # every tensor of the layer (and of its children, should its initialiser touch them)
        for name, tensor in [*module.named_parameters(), *module.named_buffers()]:
            tensor.copy_(drawn_tensors[name])


def _check_count(name: str, value, largest: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int (how many of the top layers to randomise), got "
                        f"{type(value).__name__}.")
    if not 0 <= value <= largest:
        raise ValueError(f"{name}={value} is out of range: this model has {largest} parameterised layers, so "
                         f"randomise between 0 and {largest} of them.")
    return int(value)


def randomize_layers(model: nn.Module, n_layers: int, seed: int = 0) -> nn.Module:
    """A deep copy of ``model`` whose top ``n_layers`` parameterised layers are re-initialised.

        layers  = parameterised_layers(model)            L of them, input side first
        copy    = deepcopy(model);  re-initialise layers[L − n_layers], …, layers[L − 1]

    Cascading randomisation from the top (Adebayo et al. 2018, §3.1): step k of
    the cascade randomises the k layers nearest the output. Each randomised layer
    is drawn by its ``reset_parameters()`` right after ``torch.manual_seed(seed)``
    (on the CPU generator, whatever the model's device, so the weights are the
    same on a CPU and a GPU; inside :func:`utils.device.own_random_state`: the
    caller's random state on every device is untouched),
    so a layer's random weights depend only on ``seed`` and its shape, never on
    ``n_layers``: step k + 1 of a cascade is step k with one more layer
    randomised. This is exactly the randomisation of Quantus 0.6.0's
    ``MPRT(layer_order="top_down", seed=s)`` (which calls
    ``torch.manual_seed(s + 1)`` before each layer's ``reset_parameters()``)
    with ``seed = s + 1``; Quantus picks the modules that have a
    ``reset_parameters`` method, which on the course's models are exactly the
    parameterised layers. (Quantus draws on the model's device, so on a GPU it
    differs from this, which draws on the CPU everywhere.)

    Why reseed before every layer rather than once for the cascade: with one
    seed per cascade, a layer's weights would depend on how many layers above
    it were drawn first, and the maps of steps k and k + 1 would differ in every
    randomised layer, not just the new one.

    The original model is never modified; the copy keeps its modes
    (``training`` flags) and ``requires_grad`` flags.
    """
    layers = parameterised_layers(model)
    n_layers = _check_count("n_layers", n_layers, len(layers))
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}.")
    randomised = copy.deepcopy(model)
    names = [name for name, _ in layers][len(layers) - n_layers:]
    with own_random_state():
        for name in reversed(names):  # from the top down, like the cascade itself
            _reinitialise(randomised.get_submodule(name), int(seed))
    return randomised


def _as_flat_float64(value, name: str) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu()
    elif isinstance(value, np.ndarray) or isinstance(value, (list, tuple)):
        tensor = torch.as_tensor(np.asarray(value))
    else:
        raise TypeError(f"{name} must be a torch.Tensor or a NumPy array (a map), got {type(value).__name__}.")
    if tensor.is_complex() or tensor.dtype == torch.bool or not (tensor.is_floating_point() or
                                                                  tensor.dtype in (torch.int32, torch.int64)):
        raise TypeError(f"{name} must hold real numbers, got dtype {tensor.dtype}.")
    return tensor.to(torch.float64)


def _squeeze_leading(shape: torch.Size) -> tuple:
    dims = list(shape)
    while len(dims) > 2 and dims[0] == 1:
        dims.pop(0)
    return tuple(dims)


def average_ranks(values: torch.Tensor) -> torch.Tensor:
    """Ranks 1..n of a 1-D tensor, tied values sharing the mean of their ranks ("average" ranking).

        rank(v) = (number of values < v) + (number of values == v + 1) / 2
    """
    _, inverse, counts = torch.unique(values, sorted=True, return_inverse=True, return_counts=True)
    below = torch.cumsum(counts, 0) - counts
    return (below.to(torch.float64) + (counts.to(torch.float64) + 1) / 2)[inverse]


def rank_correlation(map_a, map_b, absolute: bool = True) -> float:
    """Spearman's rank correlation of two maps: the Pearson correlation of their ranks.

        a, b  = |map_a|, |map_b|  (absolute=True, as Adebayo et al.)  or  map_a, map_b
        r_a   = ranks of all entries of a (flattened; ties get the mean of their ranks)
        ρ     = Σ (r_a − r̄_a)(r_b − r̄_b) / √(Σ (r_a − r̄_a)² · Σ (r_b − r̄_b)²)

    Every entry counts (channels are not combined). The maps must have the same
    shape, up to leading dimensions of size 1 (a (1, C, H, W) map and a (C, H, W)
    one compare). A constant map has no ranking at all: the correlation is then
    undefined (SciPy returns NaN), and this function returns 0.0, "no agreement".
    Equal to ``scipy.stats.spearmanr(a.ravel(), b.ravel())[0]`` otherwise (tested).
    """
    a, b = _as_flat_float64(map_a, "map_a"), _as_flat_float64(map_b, "map_b")
    if _squeeze_leading(a.shape) != _squeeze_leading(b.shape):
        raise ValueError(f"map_a has shape {tuple(a.shape)} and map_b {tuple(b.shape)}; compare two maps of the "
                         "same shape (e.g. two maps of the same method on the same input).")
    if a.numel() < 2:
        raise ValueError("a rank correlation needs maps of at least 2 entries.")
    a, b = a.reshape(-1), b.reshape(-1)
    if not (torch.isfinite(a).all() and torch.isfinite(b).all()):
        raise ValueError("the maps hold NaN or infinite values; a rank correlation of them means nothing.")
    if absolute:
        a, b = a.abs(), b.abs()
    ra, rb = average_ranks(a), average_ranks(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    scale = torch.sqrt((ra * ra).sum() * (rb * rb).sum())
    if scale == 0:
        return 0.0
    return float(((ra * rb).sum() / scale).clamp(-1.0, 1.0))


def model_randomization_test(explain: Callable, model: nn.Module, x: torch.Tensor, target,
                             layers: Sequence[int], seed: int = 0, absolute: bool = True) -> torch.Tensor:
    """The cascade curve: for each k in ``layers``, ρ(map of the trained model, map with the top k layers randomised).

        M_0 = explain(model, x, target)
        M_k = explain(randomize_layers(model, k, seed), x, target)
        curve[i] = rank_correlation(M_0, M_{layers[i]}, absolute)          shape (len(layers),)

    ``explain`` is any ``(model, x, target) -> map`` function. It sees the model
    in eval mode, and each randomised copy is made from it in eval mode; the
    original is only explained, never changed, and gets its modes back. The
    curve is float64. A method that explains the model falls towards 0 as more
    layers are randomised; one that stays near 1 does not depend on what the
    top layers learned.

    Configured as ``quantus.MPRT(layer_order="top_down", seed=seed - 1,
    similarity_func=correlation_spearman, abs=True)`` with ``explain`` as its
    ``explain_func``, Quantus 0.6.0 gives the same numbers for every layer
    (its normalisation divides by the maximum, which a rank correlation ignores).
    """
    if not callable(explain):
        raise TypeError(f"explain must be a function (model, x, target) -> map, got {explain!r}.")
    check_model(model)
    if isinstance(layers, (numbers.Integral, str)) or not hasattr(layers, "__iter__"):
        raise TypeError(f"layers must be a list of ints (how many top layers to randomise at each step), got "
                        f"{layers!r}.")
    count = len(parameterised_layers(model))
    steps = [_check_count("each entry of layers", k, count) for k in layers]
    if not steps:
        raise ValueError("layers is empty; pass the cascade's steps, e.g. [1, 2, 3].")
    x = x.detach()
    with evaluating(model):  # the copies are made from (and explain sees) the model in eval mode
        original = explain(model, x, target)
        curve = [rank_correlation(original, explain(randomize_layers(model, k, seed), x, target), absolute)
                 for k in steps]
    return torch.tensor(curve, dtype=torch.float64)
