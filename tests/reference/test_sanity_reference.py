"""Stage 08's answer key against independent implementations: Quantus 0.6.0, SciPy and closed forms.

Quantus (a test dependency, installed without its extras) computes the same
cascade (``MPRT``) and the same deletion curves (``PixelFlipping``,
``RegionPerturbation``) in its own code; the configurations that make them
comparable are in the reference's docstrings (``utils/instructor/reference/
sanity.py`` and ``faithfulness.py``). Tolerances: 1e-6 where both sides compute
the same float32 forward passes in the same batches, 1e-4 where the batching
differs (float32 rounding: measured 2e-5 on EfficientNet-Lite0's probabilities,
1e-5 on a correlation whose maps were computed in another batch).
"""

import warnings

import numpy as np
import pytest
import scipy.stats
import torch
from torch import nn

from utils.checks import hook_count
from utils.instructor.reference import (area_under_curve, deletion_curve, insertion_curve, model_randomization_test,
                                        parameterised_layers, randomize_layers, rank_correlation, vanilla_gradients)
from utils.recording.stage08 import toy_linear_model, unseen_net

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import quantus
    from quantus.functions.similarity_func import correlation_spearman


def gradient_explain(model, x, target):
    return vanilla_gradients(model, x, target)


def quantus_explain(model, inputs, targets, **kwargs):
    """Quantus calls explain_func with NumPy batches; the same gradient map."""
    x = torch.as_tensor(np.asarray(inputs), dtype=torch.float32)
    return vanilla_gradients(model, x, [int(t) for t in np.asarray(targets).reshape(-1)]).numpy()


def test_quantus_version():
    assert quantus.__version__ == "0.6.0"


# ---- the cascade -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["tiny", "batch norm"])
def test_randomised_models_equal_quantus(kind, tiny_model):
    """Step k of Quantus's top-down cascade (seed s) is randomize_layers(model, k, seed=s + 1), tensor for tensor."""
    model = tiny_model if kind == "tiny" else unseen_net()
    wrapped = quantus.helpers.model.pytorch_model.PyTorchModel(model, channel_first=True)
    count = 0
    for k, (name, quantus_model) in enumerate(wrapped.get_random_layer_generator(order="top_down", seed=41), 1):
        ours = randomize_layers(model, k, seed=42)
        assert name == [n for n, _ in parameterised_layers(model)][-k]
        theirs = quantus_model.state_dict()
        assert ours.state_dict().keys() == theirs.keys()
        for key, value in ours.state_dict().items():
            assert torch.equal(value, theirs[key]), f"step {k}: {key} differs from Quantus's"
        count += 1
    assert count == len(parameterised_layers(model)) == wrapped.random_layer_generator_length


@pytest.mark.parametrize("kind", ["tiny", "batch norm"])
def test_cascade_curve_equals_quantus_mprt(kind, tiny_model, mnist):
    if kind == "tiny":
        model, x, y = tiny_model, mnist.x_test[10:13], mnist.y_test[10:13]
    else:
        model = unseen_net()
        x = torch.rand(3, 3, 16, 16, generator=torch.Generator().manual_seed(2))
        y = torch.tensor([0, 3, 4])
    layers = list(range(1, len(parameterised_layers(model)) + 1))
    for i in range(len(x)):
        # one example at a time on both sides: convolution kernels chosen for a batch of 3 and for a batch of 1 give
        # float32 gradients that differ (on this batch-norm net by 0.3 % on some CPUs), which moves the ranks
        metric = quantus.MPRT(layer_order="top_down", seed=41, abs=True, normalise=True, disable_warnings=True)
        scores = metric(model=model, x_batch=x[i:i + 1].numpy(), y_batch=y[i:i + 1].numpy(), a_batch=None,
                        explain_func=quantus_explain, device="cpu")
        quantus_curve = np.array([scores[name][0] for name in list(scores)[1:]])  # (layers,), top first
        ours = model_randomization_test(gradient_explain, model, x[i:i + 1], int(y[i]), layers, seed=42)
        # float32 gradients of one example, computed alike: only rank swaps of near-ties remain (measured up to 1e-5)
        np.testing.assert_allclose(ours.numpy(), quantus_curve, atol=1e-4)


def test_parameterised_layers_of_the_course_models(tiny_model, imagenet_model):
    assert [n for n, _ in parameterised_layers(tiny_model)] == ["conv1", "conv2", "conv3", "fc"]
    names = [n for n, _ in parameterised_layers(imagenet_model)]
    assert len(names) == 99 and names[-3:] == ["conv_head", "bn2", "classifier"]
    # the same modules as Quantus's choice (modules with reset_parameters), in the same order
    assert names == [n for n, m in imagenet_model.named_modules() if hasattr(m, "reset_parameters")]


def test_randomize_layers_is_reproducible_and_nested(tiny_model):
    torch.manual_seed(123)
    state = torch.random.get_rng_state()
    first, again, other = (randomize_layers(tiny_model, 2, seed=s) for s in (5, 5, 6))
    assert torch.equal(state, torch.random.get_rng_state()), "randomize_layers disturbed the global random state"
    assert torch.equal(first.fc.weight, again.fc.weight) and not torch.equal(first.fc.weight, other.fc.weight)
    deeper = randomize_layers(tiny_model, 3, seed=5)
    assert torch.equal(deeper.fc.weight, first.fc.weight) and torch.equal(deeper.conv3.weight, first.conv3.weight)
    assert not torch.equal(deeper.conv2.weight, tiny_model.conv2.weight)
    assert torch.equal(first.conv2.weight, tiny_model.conv2.weight)
    assert torch.equal(randomize_layers(tiny_model, 0).conv1.weight, tiny_model.conv1.weight)


def test_batch_norm_is_reset_with_its_statistics(imagenet_model):
    copy = randomize_layers(imagenet_model, 2)  # classifier and bn2
    assert torch.equal(copy.bn2.weight, torch.ones_like(copy.bn2.weight))
    assert torch.equal(copy.bn2.running_var, torch.ones_like(copy.bn2.running_var))
    assert torch.equal(copy.conv_head.weight, imagenet_model.conv_head.weight)


# ---- rank correlation -------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(7,), (5, 6), (1, 3, 8, 9)])
@pytest.mark.parametrize("absolute", [True, False])
def test_rank_correlation_equals_scipy(shape, absolute):
    generator = torch.Generator().manual_seed(sum(shape))
    a = torch.randn(shape, generator=generator, dtype=torch.float64)
    b = a + torch.randn(shape, generator=generator, dtype=torch.float64)
    tied_a, tied_b = torch.relu(a).round(decimals=1), torch.relu(b).round(decimals=1)  # many tied zeros
    for x, y in ((a, b), (tied_a, tied_b), (a, -a)):
        xs, ys = (np.abs(x.numpy()), np.abs(y.numpy())) if absolute else (x.numpy(), y.numpy())
        expected = scipy.stats.spearmanr(xs.ravel(), ys.ravel())[0]
        assert abs(rank_correlation(x, y, absolute=absolute) - expected) < 1e-12
        assert abs(rank_correlation(x.numpy(), y.float(), absolute=absolute) - expected) < 1e-6


def test_rank_correlation_equals_quantus_similarity():
    generator = torch.Generator().manual_seed(11)
    a, b = torch.randn(2, 1, 10, 10, generator=generator, dtype=torch.float64)
    expected = correlation_spearman(np.abs(a.numpy()).ravel(), np.abs(b.numpy()).ravel())
    assert abs(rank_correlation(a, b) - expected) < 1e-12


def test_rank_correlation_closed_forms():
    a = torch.tensor([[1.0, -2.0], [3.0, 4.0]])
    assert rank_correlation(a, torch.tensor([[1.0, 3.0], [-2.0, 4.0]])) == pytest.approx(0.8)  # 1 - 6·2/(4·15)
    assert rank_correlation(a, torch.tensor([[1.0, 3.0], [-2.0, 4.0]]), absolute=False) == pytest.approx(0.2)
    assert rank_correlation(a, -a) == pytest.approx(1.0)
    assert rank_correlation(a, -a, absolute=False) == pytest.approx(-1.0)
    assert rank_correlation(a, 100 * a ** 3) == pytest.approx(1.0)  # only the order counts
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(scipy.stats.spearmanr(np.ones(4), np.arange(4))[0])
    assert rank_correlation(torch.ones(2, 2), a) == 0.0  # a constant map: no ranking, 0.0 rather than NaN
    assert rank_correlation(torch.tensor([1, 2, 3]), torch.tensor([3, 2, 1]), absolute=False) == pytest.approx(-1.0)


def test_rank_correlation_refuses_bad_input():
    with pytest.raises(ValueError, match="same shape"):
        rank_correlation(torch.rand(3, 4), torch.rand(4, 3))
    a = torch.rand(3, 4, generator=torch.Generator().manual_seed(0))
    assert rank_correlation(a[None, None], a) == pytest.approx(1.0)  # leading dimensions of size 1 are fine
    with pytest.raises(TypeError, match="Tensor or a NumPy array"):
        rank_correlation("map", torch.rand(3))
    with pytest.raises(ValueError, match="NaN"):
        rank_correlation(torch.tensor([1.0, float("nan")]), torch.rand(2))
    with pytest.raises(ValueError, match="at least 2"):
        rank_correlation(torch.rand(1), torch.rand(1))


# ---- deletion and insertion --------------------------------------------------------------------


def test_deletion_equals_quantus_pixel_flipping_on_digits(tiny_model, mnist):
    x, y = mnist.x_test[20:23], mnist.y_test[20:23]
    attribution = vanilla_gradients(tiny_model, x, y.tolist())
    steps = 28
    metric = quantus.PixelFlipping(features_in_step=784 // steps, perturb_baseline=0.0, abs=False, normalise=True,
                                   disable_warnings=True)
    theirs = np.array(metric(model=tiny_model, x_batch=x.numpy(), y_batch=y.numpy(), a_batch=attribution.numpy(),
                             device="cpu"))
    ours = deletion_curve(tiny_model, x, y.tolist(), attribution, steps, torch.zeros_like(x))
    assert ours.shape == (3, steps + 1)
    np.testing.assert_allclose(ours[:, 1:].numpy(), theirs, atol=1e-6)
    with torch.no_grad():
        np.testing.assert_allclose(ours[:, 0].numpy(), tiny_model(x).softmax(1)[range(3), y].numpy(), atol=1e-6)


def test_deletion_equals_quantus_pixel_flipping_on_a_photo(imagenet_model, photos):
    """Three channels: Quantus flips channel values, so it is given the channel-summed map broadcast over the
    channels and C·P/steps values per step (the C values of each pixel tie, and stay together)."""
    photo = photos[3]
    x = photo.tensor[None]
    attribution = vanilla_gradients(imagenet_model, x, photo.label)
    steps = 12
    metric = quantus.PixelFlipping(features_in_step=3 * 224 * 224 // steps, perturb_baseline=-1.0, abs=False,
                                   normalise=True, disable_warnings=True)
    theirs = np.array(metric(model=imagenet_model, x_batch=x.numpy(), y_batch=np.array([photo.label]),
                             a_batch=attribution.sum(1, keepdim=True).numpy(), device="cpu"))
    ours = deletion_curve(imagenet_model, x, photo.label, attribution, steps, -1.0)
    np.testing.assert_allclose(ours[:, 1:].numpy(), theirs, atol=1e-4)


def test_deletion_equals_quantus_region_perturbation_one_pixel_at_a_time(tiny_model, mnist):
    x, y = mnist.x_test[30:31], mnist.y_test[30:31]
    attribution = vanilla_gradients(tiny_model, x, y.tolist())
    metric = quantus.RegionPerturbation(patch_size=1, order="morf", regions_evaluation=784, perturb_baseline=0.0,
                                        abs=False, normalise=True, disable_warnings=True)
    theirs = np.array(metric(model=tiny_model, x_batch=x.numpy(), y_batch=y.numpy(), a_batch=attribution.numpy(),
                             device="cpu"))
    ours = deletion_curve(tiny_model, x, int(y[0]), attribution, 784, torch.zeros_like(x))
    np.testing.assert_allclose((ours[:, :1] - ours[:, 1:]).numpy(), theirs, atol=1e-6)


def test_insertion_equals_quantus_pixel_flipping_from_the_baseline(tiny_model, mnist):
    """Quantus has no insertion metric: PixelFlipping started from the baseline, with a perturbation that copies x's
    values in, is insertion."""
    x, y = mnist.x_test[40:42], mnist.y_test[40:42]
    baseline = torch.rand(x.shape, generator=torch.Generator().manual_seed(4))
    attribution = vanilla_gradients(tiny_model, x, y.tolist())
    source = x.reshape(len(x), -1).numpy()

    def insert_from_x(arr, indices, **kwargs):
        out = arr.copy()
        rows = np.arange(len(arr))[:, None]
        out[rows, indices] = source[rows, indices]
        return out

    metric = quantus.PixelFlipping(features_in_step=784 // 16, perturb_func=insert_from_x, abs=False, normalise=True,
                                   disable_warnings=True)
    theirs = np.array(metric(model=tiny_model, x_batch=baseline.numpy(), y_batch=y.numpy(),
                             a_batch=attribution.numpy(), device="cpu"))
    ours = insertion_curve(tiny_model, x, y.tolist(), attribution, 16, baseline)
    np.testing.assert_allclose(ours[:, 1:].numpy(), theirs, atol=1e-6)
    assert torch.equal(ours, deletion_curve(tiny_model, baseline, y.tolist(), attribution, 16, x))


def test_curves_closed_forms():
    model, ones, zeros = toy_linear_model(), torch.ones(1, 1, 2, 2), torch.zeros(1, 1, 2, 2)
    weights = torch.tensor([[[[3.0, 2.0], [1.0, 0.0]]]])
    deletion = deletion_curve(model, ones, 1, weights, 4, zeros)[0]
    insertion = insertion_curve(model, ones, 1, weights, 4, zeros)[0]
    assert torch.allclose(deletion, torch.sigmoid(torch.tensor([6.0, 3.0, 1.0, 0.0, 0.0])))
    assert torch.allclose(insertion, torch.sigmoid(torch.tensor([0.0, 3.0, 5.0, 6.0, 6.0])))
    # equal scores keep row-major order; 4 pixels in 3 steps change ⌊4k/3⌋ = 0, 1, 2, 4 of them
    flat = deletion_curve(model, ones, 1, torch.ones(2, 2), 3, 0.0)[0]
    assert torch.allclose(flat, torch.sigmoid(torch.tensor([6.0, 3.0, 1.0, 0.0])))
    # a signed three-channel map: the channel SUM orders the pixels, not the sum of |values|
    x3 = torch.ones(1, 3, 1, 2)
    linear3 = nn.Sequential(nn.Flatten(), nn.Linear(6, 2)).eval()
    with torch.no_grad():
        linear3[1].weight.copy_(torch.tensor([[0.0] * 6, [1.0, 0.0, 1.0, 0.0, 1.0, 0.0]]))  # only pixel 0 counts
        linear3[1].bias.zero_()
    attribution = torch.tensor([[[[2.0, 1.0]], [[2.0, -1.0]], [[-5.0, 1.0]]]])  # sums -1 and 1; |.| sums 9 and 3
    curve = deletion_curve(linear3, x3, 1, attribution, 2, 0.0)[0]
    assert torch.allclose(curve, torch.sigmoid(torch.tensor([3.0, 3.0, 0.0])))


def test_area_under_curve_closed_forms_and_numpy():
    assert area_under_curve(torch.tensor([1.0, 0.0])) == pytest.approx(0.5)
    assert area_under_curve([0.3] * 7) == pytest.approx(0.3)
    assert area_under_curve(np.linspace(0, 1, 11) ** 2) == pytest.approx(0.335)  # trapezoid of x² on 10 intervals
    curves = torch.rand(3, 17, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    grid = np.linspace(0, 1, 17)
    expected = [np.trapezoid(c, grid) for c in curves.numpy()]
    np.testing.assert_allclose(area_under_curve(curves).numpy(), expected, rtol=1e-12)
    # Quantus integrates over the step index (dx = 1); its own helper calls np.trapz, which NumPy 2.4 removed
    assert area_under_curve(curves[0]) == pytest.approx(np.trapezoid(curves[0].numpy(), dx=1) / 16)
    with pytest.raises(ValueError, match="K >= 2"):
        area_under_curve([0.5])
    with pytest.raises(ValueError, match="NaN"):
        area_under_curve([0.5, float("nan")])
    with pytest.raises(TypeError):
        area_under_curve("curve")


# ---- the answer key's conventions ----------------------------------------------------------------


def mixed_modes(model):
    model.train()
    for module in list(model.modules())[1::2]:
        module.eval()
    return [m.training for m in model.modules()]


@pytest.mark.parametrize("function", ["deletion", "insertion", "cascade", "randomize"])
def test_conventions(function, imagenet_model, photos):
    """Modes restored (also a mixed state), no hooks, no parameter gradients, inputs and the model untouched."""
    import copy

    model = copy.deepcopy(imagenet_model)  # the session's model may carry gradients left by earlier tests
    for parameter in model.parameters():
        parameter.grad = None
    x = photos[1].tensor[None][..., :64, :64].clone()
    attribution = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    baseline = torch.zeros_like(x)
    inputs = [t.clone() for t in (x, attribution, baseline)]
    state = {k: v.clone() for k, v in model.state_dict().items()}
    modes, hooks = mixed_modes(model), hook_count(model)
    try:
        if function == "deletion":
            deletion_curve(model, x, 3, attribution, 4, baseline)
        elif function == "insertion":
            insertion_curve(model, x, 3, attribution, 4, baseline)
        elif function == "cascade":
            model_randomization_test(gradient_explain, model, x, 3, [1, 2])
        else:
            copy = randomize_layers(model, 4)
            assert copy is not model
        assert [m.training for m in model.modules()] == modes
    finally:
        model.eval()
    assert hook_count(model) == hooks
    assert all(p.grad is None for p in model.parameters())
    assert all(torch.equal(a, b) for a, b in zip((x, attribution, baseline), inputs))
    assert all(torch.equal(v, state[k]) for k, v in model.state_dict().items())


def test_clear_errors(tiny_model):
    x = torch.rand(1, 1, 28, 28)
    with pytest.raises(ValueError, match="4 parameterised layers"):
        randomize_layers(tiny_model, 5)
    with pytest.raises(ValueError, match="out of range"):
        randomize_layers(tiny_model, -1)
    with pytest.raises(TypeError, match="must be an int"):
        randomize_layers(tiny_model, 1.5)
    with pytest.raises(TypeError, match="torch.nn.Module"):
        randomize_layers(tiny_model.state_dict(), 1)
    with pytest.raises(TypeError, match="list of ints"):
        model_randomization_test(gradient_explain, tiny_model, x, 3, 2)
    with pytest.raises(ValueError, match="empty"):
        model_randomization_test(gradient_explain, tiny_model, x, 3, [])
    with pytest.raises(TypeError, match="explain must be a function"):
        model_randomization_test("gradients", tiny_model, x, 3, [1])
    with pytest.raises(ValueError, match="height and width"):
        deletion_curve(tiny_model, x, 3, torch.rand(7, 7), 4)
    with pytest.raises(ValueError, match="does not fit"):
        deletion_curve(tiny_model, x, 3, torch.rand(2, 2, 1, 28, 28), 4)
    with pytest.raises(ValueError, match="baseline has shape"):
        insertion_curve(tiny_model, x, 3, torch.rand(28, 28), 4, torch.zeros(1, 3, 28, 28))
    with pytest.raises(ValueError, match="steps must be at least 1"):
        deletion_curve(tiny_model, x, 3, torch.rand(28, 28), 0)
    with pytest.raises(ValueError, match="out of range"):
        deletion_curve(tiny_model, x, 10, torch.rand(28, 28), 4)
    with pytest.raises(ValueError, match="batch"):
        deletion_curve(tiny_model, x[0], 3, torch.rand(28, 28), 4)
