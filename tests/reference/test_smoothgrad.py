"""SmoothGrad is the plain, seeded mean of a method over noisy copies."""

import torch

from utils.instructor.reference import gradcam, integrated_gradients, smoothgrad, vanilla_gradients


def test_equals_the_mean_over_explicit_noisy_copies(small_cnn, small_batch):
    n, sigma = 6, 0.3
    noise = torch.randn((n, *small_batch.shape), generator=torch.Generator().manual_seed(5),
                        dtype=small_batch.dtype)
    expected = torch.stack([vanilla_gradients(small_cnn, small_batch + sigma * e, [0, 1, 2]) for e in noise]).mean(0)
    got = smoothgrad(vanilla_gradients, small_cnn, small_batch, [0, 1, 2], n_samples=n, noise_std=sigma, seed=5)
    torch.testing.assert_close(got, expected)


def test_forwards_kwargs_and_works_over_ig_and_gradcam(small_cnn, small_batch):
    ig = smoothgrad(integrated_gradients, small_cnn, small_batch, 1, n_samples=3, steps=4)
    assert ig.shape == small_batch.shape
    cams = smoothgrad(gradcam, small_cnn, small_batch, 1, n_samples=3, layer="act1")
    assert cams.shape == (3, 12, 12)
    assert cams.min() >= 0 and cams.max() <= 1


def test_kwargs_reach_the_method(small_cnn, small_batch):
    """With no noise each copy is x itself, so a forwarded keyword shows in the result (neither is a default)."""
    at_act1 = smoothgrad(gradcam, small_cnn, small_batch, 1, n_samples=2, noise_std=0.0, layer="act1")
    torch.testing.assert_close(at_act1, gradcam(small_cnn, small_batch, 1, layer="act1"))
    assert not torch.allclose(at_act1, gradcam(small_cnn, small_batch, 1))
    four_steps = smoothgrad(integrated_gradients, small_cnn, small_batch, 1, n_samples=2, noise_std=0.0, steps=4)
    torch.testing.assert_close(four_steps, integrated_gradients(small_cnn, small_batch, 1, steps=4))
    assert not torch.allclose(four_steps, integrated_gradients(small_cnn, small_batch, 1))


def test_zero_noise_gives_the_method_itself(small_cnn, small_batch):
    torch.testing.assert_close(smoothgrad(gradcam, small_cnn, small_batch, 2, n_samples=4, noise_std=0.0),
                               gradcam(small_cnn, small_batch, 2))


def test_seeded_and_reproducible(small_cnn, small_batch):
    a = smoothgrad(vanilla_gradients, small_cnn, small_batch, 0, n_samples=4)
    assert torch.equal(a, smoothgrad(vanilla_gradients, small_cnn, small_batch, 0, n_samples=4))
    assert not torch.equal(a, smoothgrad(vanilla_gradients, small_cnn, small_batch, 0, n_samples=4, seed=1))


def test_noise_is_added_in_input_space_and_averaged_not_renormalised(small_cnn, small_batch):
    """With a method that returns its input, SmoothGrad returns x + mean noise."""
    def identity(model, x, target):
        return x.clone()

    got = smoothgrad(identity, small_cnn, small_batch, 0, n_samples=400, noise_std=0.5)
    assert (got - small_batch).abs().mean() < 0.05
    assert got.abs().max() > 1.0, "the mean must not be rescaled"
