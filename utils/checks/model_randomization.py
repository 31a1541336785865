"""Stage 08, model-randomisation sanity checks (Adebayo et al. 2018), on small networks whose right answers
follow from the definitions of the notebook's markdown; each check names the likely mistake.

``randomize_layers(model, n, seed)``: a copy whose top n parameterised layers hold what
``torch.manual_seed(seed); layer.reset_parameters()`` gives, layer by layer, batch norms included.
``model_randomization_test``: the cascade, ρ(|map of the trained model|, |map with the top j layers
randomised|) for each j, Spearman's ρ as ``rank_correlation`` computes it.
"""

from __future__ import annotations

import torch
from torch import nn

from utils.device import own_random_state
from utils.properties import as_float_tensor, relative_l2

from .running import run_exercise


class SmallBatchNormNet(nn.Module):
    """conv1 → bn1 → ReLU → conv2 → global average pooling → fc, on (N, 1, 6, 6) inputs, 3 classes.

    Four parameterised layers, registered in the order of the forward pass (conv1, bn1, conv2, fc),
    every parameter and batch-norm statistic moved away from PyTorch's initialisation, so a
    re-initialised layer always shows. ``features`` holds conv1 and bn1 (a container: it owns no
    parameters itself).
    """

    layer_names = ("features.0", "features.1", "conv2", "fc")

    def __init__(self, seed: int = 40):
        super().__init__()
        with own_random_state():
            self.features = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.BatchNorm2d(3))
            self.act = nn.ReLU()
            self.conv2 = nn.Conv2d(3, 4, 3, padding=1)
            self.gap = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(4, 3)
        generator = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for tensor in (*self.parameters(), self.features[1].running_mean):
                tensor.add_(0.5 * torch.randn(tensor.shape, generator=generator))
            self.features[1].running_var.copy_(0.5 + torch.rand(3, generator=generator))

    def forward(self, x):
        return self.fc(self.gap(self.conv2(self.act(self.features(x)))).flatten(1))


def _layer_state(layer: nn.Module) -> dict:
    return {k: v.detach().clone() for k, v in layer.state_dict().items() if k != "num_batches_tracked"}


def _same_state(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _fresh_layer(layer: nn.Module, seed: int) -> dict:
    """What ``layer`` holds after ``torch.manual_seed(seed); layer.reset_parameters()`` (on a copy)."""
    import copy

    fresh = copy.deepcopy(layer)
    with own_random_state():
        torch.manual_seed(seed)
        fresh.reset_parameters()
    return _layer_state(fresh)


def check_randomize_layers(function, name: str = "randomize_layers") -> None:
    """``function(model, n_layers, seed=...)`` on :class:`SmallBatchNormNet` (handed over in train mode).

    Its parameterised layers, input side first: conv1, bn1 (inside a container), conv2, fc. For every
    n in 0..4 the top n must hold what ``reset_parameters()`` gives right after ``torch.manual_seed(seed)``
    (each layer on its own), the others their trained values, on a copy; the original and the caller's
    random state untouched; n = 5 and n = -1 raise ``ValueError``. Names the mistake when the original
    is changed, the model itself is returned, the batch norm is skipped, a container is counted, the
    seed is set once for all layers (or not at all), or the random state leaks.
    """
    with own_random_state():  # the check sets and reads the random state; the notebook's own is given back afterwards
        _check_randomize_layers(function, name)


def _check_randomize_layers(function, name: str) -> None:
    import copy

    model = SmallBatchNormNet().train()
    layers = [model.get_submodule(n) for n in SmallBatchNormNet.layer_names]
    labels = ["conv1", "bn1 (a BatchNorm2d)", "conv2", "fc"]
    trained = [_layer_state(layer) for layer in layers]
    original = copy.deepcopy(model.state_dict())
    for seed in (0, 7):
        expected = [_fresh_layer(layer, seed) for layer in layers]
        for n in (2, 4, 1, 3, 0):
            torch.manual_seed(1234)
            torch.rand(3)
            state = torch.random.get_rng_state()
            call = f"{name}(model, {n}, seed={seed})"
            try:
                result = run_exercise(function, model, n, seed=seed)
            except ValueError as error:
                raise AssertionError(f"{call} raised ValueError ({error}), but this network has 4 parameterised "
                                     "layers: conv1, bn1, conv2, fc. A batch norm counts: it owns parameters "
                                     "(γ and β) itself.") from None
            if not torch.equal(torch.random.get_rng_state(), state):
                raise AssertionError(f"{call} changed the caller's random state: draw inside "
                                     "`with torch.random.fork_rng():` so that the notebook's random numbers are "
                                     "the same with or without the call.")
            if not all(torch.equal(v, model.state_dict()[k]) for k, v in original.items()):
                raise AssertionError(f"{call} changed the original model: re-initialise the layers of a copy "
                                     "(copy.deepcopy(model)); the trained model must stay as it is.")
            if result is model:
                raise AssertionError(f"{call} returned the model itself; return a copy (copy.deepcopy(model)), "
                                     "even when nothing is re-initialised (n_layers=0).")
            if not isinstance(result, nn.Module):
                raise AssertionError(f"{call} returned {type(result).__name__}; return the randomised copy "
                                     "(a torch.nn.Module).")
            try:
                got = [_layer_state(result.get_submodule(n_)) for n_ in SmallBatchNormNet.layer_names]
            except AttributeError:
                raise AssertionError(f"{call} returned a model without the original's layers; return a copy of "
                                     "the whole model.") from None
            changed = [label for label, g, t in zip(labels, got, trained) if not _same_state(g, t)]
            wanted = labels[len(labels) - n:] if n else []
            if changed != wanted:
                cause = "check which layers you re-initialise."
                if n == 0 and changed:
                    cause = "with n_layers=0 nothing may change (careful: layers[-0:] is the whole list)."
                elif "bn1 (a BatchNorm2d)" in wanted and "bn1 (a BatchNorm2d)" not in changed:
                    cause = ("the batch norm was skipped: every module that owns parameters itself counts, "
                             "batch norms included (not only Conv2d and Linear).")
                raise AssertionError(f"{call} on a network whose parameterised layers are conv1, bn1, conv2, fc "
                                     f"(input side first): the layers that changed are {changed or 'none'}, "
                                     f"expected the top {n}: {wanted or 'none'}. {cause}")
            for label, g, e in zip(labels[len(labels) - n:], got[len(labels) - n:], expected[len(labels) - n:]):
                if not _same_state(g, e):
                    raise AssertionError(
                        f"{call}: {label} does not hold what its reset_parameters() gives right after "
                        f"torch.manual_seed({seed}). Seed before each layer (torch.manual_seed(seed), then "
                        "layer.reset_parameters()), not once for all of them, so that a layer's new weights depend "
                        "only on the seed and its shape, whatever n_layers is.")
    for n in (len(layers) + 1, -1):
        try:
            run_exercise(function, model, n)
        except ValueError:
            continue
        except AttributeError as error:
            raise AssertionError(f"{name}(model, {n}) failed with AttributeError ({error}): a container (the "
                                 "model itself, an nn.Sequential) was counted as a layer. Count only the modules "
                                 "that own parameters themselves: m.parameters(recurse=False).") from None
        raise AssertionError(f"{name}(model, {n}) on a network with 4 parameterised layers did not raise: n_layers "
                             "outside 0..4 is an error (raise ValueError).")


# --- the cascade, with maps whose correlations are known -------------------------------------------

#: The map an explanation returns when j of the model's top layers differ from the trained model's.
CASCADE_MAPS = [[6.0, -5.0, 4.0, -3.0, 2.0, -1.0], [6.0, -5.0, 4.0, -3.0, 1.0, -2.0],
                [1.0, 5.0, -4.0, 3.0, -20.0, 6.0], [-1.0, 2.0, -3.0, 4.0, -5.0, 60.0]]
#: ρ(|map 0|, |map j|) for j = 1, 2, 3, worked out from the ranks (checked against SciPy in the tests).
CASCADE_RHO = [33 / 35, -5 / 7, -1.0]


class _CascadeNet(nn.Module):
    """Three parameterised layers (conv, conv, fc), registered in forward order, weights moved from initialisation."""

    def __init__(self):
        super().__init__()
        with own_random_state():
            self.conv1, self.conv2, self.fc = nn.Conv2d(1, 2, 1), nn.Conv2d(2, 2, 1), nn.Linear(12, 3)
        generator = torch.Generator().manual_seed(42)
        with torch.no_grad():
            for p in self.parameters():
                p.add_(0.5 * torch.randn(p.shape, generator=generator))

    def forward(self, x):
        return self.fc(self.conv2(self.conv1(x)).flatten(1))


def check_model_randomization_test(function, name: str = "model_randomization_test") -> None:
    """``function(explain, model, x, target, [1, 2, 3])`` with an ``explain`` whose map is known for each model.

    ``explain`` returns :data:`CASCADE_MAPS` [j] when the top j of the model's 3 parameterised layers differ
    from the trained model's (so it relies on your ``randomize_layers``), and checks that it gets the same x
    and target. The curve must be :data:`CASCADE_RHO`, whatever your own ``rank_correlation`` gives. Names
    the mistake when the maps are compared signed, with Pearson's correlation, with the previous step's map,
    or when the cascade randomises an already randomised copy.
    """
    model = _CascadeNet().eval()
    names = ["conv1", "conv2", "fc"]
    trained = {n: _layer_state(model.get_submodule(n)) for n in names}
    x, target = torch.rand(1, 1, 2, 3, generator=torch.Generator().manual_seed(43)), 2
    seen = []

    def explain(m, inputs, cls):
        if not isinstance(m, nn.Module):
            raise AssertionError(f"{name} passed {type(m).__name__} to explain as the model; call "
                                 "explain(model, x, target) with a model.")
        if int(cls) != target or not torch.equal(torch.as_tensor(inputs).detach().reshape(x.shape).to(x.dtype), x):
            raise AssertionError(f"{name} changed x or the target before explaining; every map explains the same "
                                 "x and target.")
        differs = [not _same_state(_layer_state(m.get_submodule(n)), trained[n]) for n in names]
        j = sum(differs)
        if differs != [False] * (3 - j) + [True] * j:
            raise AssertionError(f"{name} gave explain a model whose randomised layers are not the top ones "
                                 f"({[n for n, d in zip(names, differs) if d]}); use randomize_layers(model, k).")
        seen.append(j)
        return torch.tensor(CASCADE_MAPS[j], dtype=torch.float64).reshape(1, 1, 2, 3)

    layers = [1, 2, 3]
    curve = as_float_tensor(run_exercise(function, explain, model, x.clone(), target, layers), (len(layers),), name)
    if 0 not in seen:
        raise AssertionError(f"{name} never explained the trained model; every point compares a randomised model's "
                             "map with the trained model's map.")
    if sorted(j for j in seen if j) != layers:
        raise AssertionError(f"{name} with layers={layers} explained models with {sorted(j for j in seen if j)} top "
                             "layers randomised: explain randomize_layers(model, k) of the trained model for each "
                             "k of layers (not a copy that is already randomised).")
    expected = torch.tensor(CASCADE_RHO, dtype=torch.float64)
    if relative_l2(curve, expected) < 1e-6:
        return
    known = {"signed maps (absolute=False)": [1.0, -0.6, -19 / 35],
             "Pearson's correlation of |map|, not of the ranks": [0.942857, -0.539705, -0.699304],
             "the previous step's map instead of the trained model's": [33 / 35, -27 / 35, 5 / 7]}
    cause = next((what for what, values in known.items() if
                  relative_l2(curve, torch.tensor(values, dtype=torch.float64)) < 1e-4), None)
    hint = (f"it looks like {cause}: compare each randomised map with the trained model's map with your "
            "rank_correlation (absolute values, its default)." if cause else
            "check that your rank_correlation passes its own test (Spearman of |map|, ties averaged) and that each "
            "randomised map is compared with the trained model's map.")
    raise AssertionError(f"{name}(explain, model, x, target, {layers}) returned {[round(v, 4) for v in curve.tolist()]}"
                         f"; with the maps of this test the curve is {[round(v, 4) for v in CASCADE_RHO]}: {hint}")
