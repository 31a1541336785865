"""The axioms of Integrated Gradients hold for the reference implementation."""

import pytest
import torch
from torch import nn

from utils.instructor.reference import integrated_gradients, make_baseline, quadrature


def test_completeness_gap_vanishes_with_steps_on_mnist(tiny_model, mnist):
    x = mnist.x_test[:8]
    targets = mnist.y_test[:8].tolist()
    baseline = make_baseline(x, "black", value_range=(0, 1))
    with torch.no_grad():
        difference = (tiny_model(x) - tiny_model(baseline)).gather(1, mnist.y_test[:8, None]).squeeze(1)
    gaps = {}
    for steps in (10, 50, 300):
        _, gaps[steps] = integrated_gradients(tiny_model, x, targets, baseline=baseline, steps=steps,
                                              return_delta=True)
    relative = gaps[300].abs() / difference.abs()
    assert (relative <= 0.01).all(), f"gap at 300 steps is {relative.max():.2%} of F(x) − F(x')"
    assert gaps[300].abs().mean() < gaps[50].abs().mean() < gaps[10].abs().mean()


def smooth_model():
    torch.manual_seed(2)
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.Tanh(), nn.Flatten(), nn.Linear(4 * 9, 3)).double()


def test_trapezoid_error_falls_as_one_over_steps_squared_riemann_as_one_over_steps():
    """On a smooth network the quadrature errors follow theory: doubling the steps
    divides the trapezoid gap by ~4 and the left/right Riemann gaps by ~2."""
    model = smooth_model()
    x = torch.randn(1, 1, 5, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) * 2

    def gap(steps, rule):
        return integrated_gradients(model, x, 0, steps=steps, rule=rule, return_delta=True)[1].abs().item()

    assert gap(64, "trapezoid") / gap(32, "trapezoid") == pytest.approx(0.25, abs=0.03)
    for rule in ("left", "right"):
        assert gap(64, rule) / gap(32, rule) == pytest.approx(0.5, abs=0.05)
    assert gap(32, "trapezoid") < gap(32, "left") and gap(32, "trapezoid") < gap(32, "right")


def test_trapezoid_is_the_mean_of_left_and_right(small_cnn, small_batch):
    left, right, trapezoid = (integrated_gradients(small_cnn, small_batch, 1, steps=6, rule=r)
                              for r in ("left", "right", "trapezoid"))
    torch.testing.assert_close(trapezoid, (left + right) / 2)


@pytest.mark.parametrize("rule", ["trapezoid", "left", "right", "midpoint"])
def test_exact_on_a_linear_model(rule):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(2 * 4 * 4, 3)).double()
    x = torch.randn(2, 2, 4, 4, dtype=torch.float64)
    baseline = torch.randn(2, 2, 4, 4, dtype=torch.float64)
    attributions, gap = integrated_gradients(model, x, [0, 2], baseline=baseline, steps=1, rule=rule,
                                             return_delta=True)
    w = model[1].weight[[0, 2]].reshape(2, 2, 4, 4)
    torch.testing.assert_close(attributions, (x - baseline) * w.detach())
    torch.testing.assert_close(gap, torch.zeros(2, dtype=torch.float64), atol=1e-12, rtol=0)


def test_implementation_invariance():
    """Two networks with different weights that compute the same function get the same attributions."""
    torch.manual_seed(1)
    a = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 25, 3)).double()
    # b: each hidden channel split into two half-weight copies; ReLU(z/2)·2 = ReLU(z)
    b = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 25, 3)).double()
    with torch.no_grad():
        b[0].weight.copy_(torch.cat([a[0].weight, a[0].weight]) / 2)
        b[0].bias.copy_(torch.cat([a[0].bias, a[0].bias]) / 2)
        wa = a[3].weight.reshape(3, 4, 25)
        b[3].weight.copy_(torch.cat([wa, wa], dim=1).reshape(3, 200))
        b[3].bias.copy_(a[3].bias)
    x = torch.randn(2, 1, 5, 5, dtype=torch.float64)
    torch.testing.assert_close(a(x), b(x))
    torch.testing.assert_close(integrated_gradients(a, x, 1, steps=20), integrated_gradients(b, x, 1, steps=20))


def test_sensitivity():
    """A feature that alone changes the output gets attribution; features equal to the baseline get none."""
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 1), nn.ReLU(), nn.Linear(1, 2)).double()
    with torch.no_grad():
        model[1].weight.copy_(torch.tensor([[1.0, 2.0, 0.0, -1.0]]))
        model[1].bias.zero_()
    baseline = torch.zeros(1, 1, 2, 2, dtype=torch.float64)
    x = baseline.clone()
    x[0, 0, 0, 1] = 3.0  # only feature 1 differs
    attributions = integrated_gradients(model, x, 1, baseline=baseline, steps=50)
    assert model(x)[0, 1] != model(baseline)[0, 1]
    assert attributions[0, 0, 0, 1] != 0
    assert (attributions.flatten()[[0, 2, 3]] == 0).all()


@pytest.mark.parametrize("rule", ["trapezoid", "left", "right", "midpoint"])
def test_quadrature_weights_sum_to_one(rule):
    alphas, weights = quadrature(7, rule)
    assert weights.sum().item() == pytest.approx(1.0)
    assert len(alphas) == (8 if rule == "trapezoid" else 7)
    assert 0 <= alphas.min() and alphas.max() <= 1


def test_batching_does_not_change_the_result(small_cnn, small_batch):
    full = integrated_gradients(small_cnn, small_batch, [0, 1, 2], steps=9)
    for batch_size in (1, 4, 7, 1000):
        torch.testing.assert_close(integrated_gradients(small_cnn, small_batch, [0, 1, 2], steps=9,
                                                        batch_size=batch_size), full)


def test_batch_equals_one_example_at_a_time(small_cnn, small_batch):
    together = integrated_gradients(small_cnn, small_batch, [4, 0, 2], steps=5)
    for n, target in enumerate([4, 0, 2]):
        alone = integrated_gradients(small_cnn, small_batch[n:n + 1], target, steps=5)
        torch.testing.assert_close(together[n:n + 1], alone)
