"""The same seed gives the same random layers on any device, and the caller's random state on every device is kept.

On a CPU-only machine the CPU half runs: a randomised layer equals a fresh layer
of its shape drawn right after ``torch.manual_seed(seed)`` (so it depends on the
seed and the shape only), in any memory layout. Where CUDA exists, the CUDA half
compares a model randomised on the GPU with the same model randomised on the CPU.
"""

import pytest
import torch
from torch import nn

from utils.instructor.reference import randomize_layers
from utils.maps import random_map, smoothgrad_map

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(),
                                reason="needs CUDA; the CPU tests in this file run everywhere")


def test_a_randomised_layer_is_a_fresh_layer_drawn_after_the_seed(tiny_model):
    randomised = randomize_layers(tiny_model, 3, seed=5)  # fc, conv3, conv2
    torch.manual_seed(5)
    fresh_conv2 = nn.Conv2d(8, 16, 3, padding=1)
    torch.manual_seed(5)
    fresh_fc = nn.Linear(32, 10)
    assert torch.equal(randomised.conv2.weight, fresh_conv2.weight)
    assert torch.equal(randomised.conv2.bias, fresh_conv2.bias)
    assert torch.equal(randomised.fc.weight, fresh_fc.weight)
    assert torch.equal(randomised.conv1.weight, tiny_model.conv1.weight)


def test_the_memory_layout_does_not_change_the_draw(tiny_model):
    import copy

    channels_last = copy.deepcopy(tiny_model).to(memory_format=torch.channels_last)
    randomised = randomize_layers(channels_last, 3, seed=5)
    assert randomised.conv2.weight.is_contiguous(memory_format=torch.channels_last)
    plain = randomize_layers(tiny_model, 3, seed=5)
    assert all(torch.equal(a, b) for a, b in zip(plain.state_dict().values(), randomised.state_dict().values()))


def test_random_map_is_on_the_inputs_device():
    x = torch.zeros(1, 1, 4, 4)
    assert random_map(None, x, 0).device == x.device


@needs_cuda
@pytest.mark.parametrize("kind", ["tiny", "imagenet"])
def test_the_same_seed_gives_the_same_layers_on_cuda(kind, tiny_model, imagenet_model):
    import copy

    model = tiny_model if kind == "tiny" else imagenet_model
    on_cpu = randomize_layers(model, 4, seed=7)
    on_gpu = randomize_layers(copy.deepcopy(model).cuda(), 4, seed=7)
    for (name, a), b in zip(on_cpu.state_dict().items(), on_gpu.state_dict().values()):
        assert b.device.type == "cuda" and torch.equal(a, b.cpu()), name


@needs_cuda
def test_the_cuda_generators_are_untouched(tiny_model, mnist):
    import copy

    model = copy.deepcopy(tiny_model).cuda()
    x = mnist.x_test[:1].cuda()
    torch.cuda.manual_seed_all(123)
    states = [torch.cuda.get_rng_state(i) for i in range(torch.cuda.device_count())]
    randomize_layers(model, 2, seed=5)
    smoothgrad_map(model, x, 3, seed=3)
    assert all(torch.equal(torch.cuda.get_rng_state(i), s) for i, s in enumerate(states))
