"""The visible checks of stage 08: ``check_randomize_layers`` and ``check_model_randomization_test`` (``utils/checks``) catch the
mistakes their messages name before grading, and pass a correct solution. No answer key is involved: the
checks use closed forms on small models."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from utils import checks

from tests.student_style import make_rank_correlation



def make_randomizer(copy_model=True, layer_kind="own", seed_each=True, fork=True, zero_bug=False, check_range=True):
    """``layer_kind``: "own" (parameters(recurse=False)), "conv_linear" (isinstance), "recursive" (parameters())."""
    import copy

    def randomize_layers(model, n_layers, seed=0):
        out = copy.deepcopy(model) if copy_model else model
        if layer_kind == "own":
            layers = [m for m in out.modules() if list(m.parameters(recurse=False))]
        elif layer_kind == "conv_linear":
            layers = [m for m in out.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
        else:
            layers = [m for m in out.modules() if list(m.parameters())]
        if check_range and not 0 <= n_layers <= len(layers):
            raise ValueError(f"n_layers must be in 0..{len(layers)}")
        chosen = layers[-n_layers:] if zero_bug else layers[len(layers) - n_layers:]

        def draw():
            if not seed_each:
                torch.manual_seed(seed)
            for layer in reversed(chosen):
                if seed_each:
                    torch.manual_seed(seed)
                layer.reset_parameters()

        if fork:
            with torch.random.fork_rng():
                draw()
        else:
            draw()
        return out

    return randomize_layers


def test_the_randomize_check_passes_a_correct_solution():
    checks.check_randomize_layers(make_randomizer())


def test_the_randomize_check_passes_the_bottom_up_order_and_named_modules():
    import copy

    def randomize_layers(model, n_layers, seed=0):
        named = [(n, m) for n, m in model.named_modules() if next(m.parameters(recurse=False), None) is not None]
        if n_layers < 0 or n_layers > len(named):
            raise ValueError("out of range")
        out = copy.deepcopy(model)
        state = torch.random.get_rng_state()
        for n, _ in named[len(named) - n_layers:]:  # input side first: the order does not matter
            torch.manual_seed(seed)
            out.get_submodule(n).reset_parameters()
        torch.random.set_rng_state(state)
        return out

    checks.check_randomize_layers(randomize_layers)


@pytest.mark.parametrize("mistake, message", [
    (make_randomizer(copy_model=False), "changed the original model"),
    (make_randomizer(layer_kind="conv_linear"), "A batch norm counts"),
    (make_randomizer(layer_kind="conv_linear", check_range=False), "the batch norm was skipped"),
    (make_randomizer(layer_kind="recursive", check_range=False), "a container .* was counted as a layer"),
    (make_randomizer(seed_each=False), "Seed before each layer"),
    (make_randomizer(fork=False), "changed the caller's random state"),
    (make_randomizer(zero_bug=True), "layers\\[-0:\\] is the whole list"),
    (make_randomizer(check_range=False), "outside 0..4 is an error"),
], ids=["no copy", "Conv/Linear only", "Conv/Linear only, no range check", "containers counted", "seed once", "no fork_rng", "layers[-0:]",
        "no range check"])
def test_randomize_layers_mistakes_fail(mistake, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_randomize_layers(mistake)


def test_returning_the_model_itself_at_zero_fails():
    def randomize_layers(model, n_layers, seed=0):
        return model if n_layers == 0 else make_randomizer()(model, n_layers, seed)

    with pytest.raises(AssertionError, match="returned the model itself"):
        checks.check_randomize_layers(randomize_layers)


def make_cascade(rank=None, randomize=None, consecutive=False, cumulative=False):
    import numpy as np

    def model_randomization_test(explain, model, x, target, layers):
        correlate = rank or make_rank_correlation()
        randomizer = randomize or make_randomizer()
        trained = explain(model, x, target)
        previous, current, curve = trained, model, []
        for k in layers:
            current = randomizer(current, 1) if cumulative else randomizer(model, k)
            new = explain(current, x, target)
            curve.append(correlate(previous if consecutive else trained, new))
            previous = new
        return torch.tensor(curve) if not consecutive else np.array(curve)

    return model_randomization_test


def bottom_up_randomizer(model, n_layers, seed=0):
    """Re-initialises the bottom n_layers layers (input side) instead of the top ones."""
    import copy

    out = copy.deepcopy(model)
    for layer in [m for m in out.modules() if list(m.parameters(recurse=False))][:n_layers]:
        torch.manual_seed(seed)
        layer.reset_parameters()
    return out


def test_the_cascade_check_passes_a_correct_solution():
    checks.check_model_randomization_test(make_cascade())


@pytest.mark.parametrize("mistake, message", [
    (make_cascade(rank=make_rank_correlation(pearson=True)), "Pearson's correlation of \\|map\\|"),
    (make_cascade(rank=make_rank_correlation(signed=True)), "signed maps"),
    (make_cascade(consecutive=True), "the previous step's map"),
    (make_cascade(cumulative=True), "not a copy that is already randomised"),
    (make_cascade(randomize=bottom_up_randomizer), "randomised layers are not the top ones"),
], ids=["Pearson rank_correlation", "signed rank_correlation", "consecutive maps", "cumulative copies",
        "the bottom layers randomised"])
def test_cascade_mistakes_fail(mistake, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_model_randomization_test(mistake)
