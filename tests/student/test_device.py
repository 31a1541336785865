"""The device choice and the numerical policy (utils.device, re-exported by utils.models)."""

import pytest
import torch

from utils import models
from utils.device import (ENVIRONMENT_VARIABLE, course_device, full_precision, generator_devices, own_random_state,
                          tf32_enabled)


@pytest.fixture
def tf32_on():
    """PyTorch's own CUDA defaults (TF32 allowed) for the test, the previous flags afterwards."""
    saved = (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32,
             torch.get_float32_matmul_precision())
    torch.backends.cudnn.allow_tf32 = True
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.set_float32_matmul_precision("high")
    yield
    torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved[:2]
    torch.set_float32_matmul_precision(saved[2])


def _tf32_off() -> bool:
    return (torch.backends.cudnn.allow_tf32 is False and torch.backends.cuda.matmul.allow_tf32 is False
            and torch.get_float32_matmul_precision() == "highest"
            and torch.backends.cuda.matmul.fp32_precision == "ieee")


def test_full_precision_turns_tf32_off(tf32_on):
    assert tf32_enabled()
    full_precision()
    assert _tf32_off() and not tf32_enabled()


@pytest.mark.parametrize("load", [lambda: models.load_tiny_model(), lambda: models.load_imagenet_model(),
                                  lambda: models.course_device()], ids=["tiny", "imagenet", "course_device"])
def test_the_loaders_and_the_device_helper_apply_the_policy(tf32_on, load):
    load()
    assert _tf32_off()


def test_the_loaders_stay_on_the_cpu_unless_told():
    """Notebooks and grading feed CPU tensors from utils.data: the models they load must be on the CPU."""
    assert next(models.load_tiny_model().parameters()).device.type == "cpu"
    assert next(models.load_tiny_model(device=torch.device("cpu")).parameters()).device.type == "cpu"


def test_cuda_when_present_cpu_otherwise():
    assert course_device(cuda_available=lambda: True, environ={}) == torch.device("cuda")
    assert course_device(cuda_available=lambda: False, environ={}) == torch.device("cpu")


def test_the_environment_variable_overrides_and_the_argument_overrides_both():
    gpu_machine = {"cuda_available": lambda: True}
    assert course_device(environ={ENVIRONMENT_VARIABLE: "cpu"}, **gpu_machine) == torch.device("cpu")
    assert course_device(environ={ENVIRONMENT_VARIABLE: "cuda:1"}, **gpu_machine) == torch.device("cuda", 1)
    assert course_device("cuda", environ={ENVIRONMENT_VARIABLE: "cpu"}, **gpu_machine) == torch.device("cuda")
    assert course_device(torch.device("cpu"), environ={}, **gpu_machine) == torch.device("cpu")
    assert course_device(environ={ENVIRONMENT_VARIABLE: ""}, **gpu_machine) == torch.device("cuda")


def test_a_missing_gpu_asked_for_is_an_error_that_says_what_to_do():
    with pytest.raises(ValueError, match=r"XAI_COURSE_DEVICE='cuda' asks for a GPU.*use 'cpu'"):
        course_device(environ={ENVIRONMENT_VARIABLE: "cuda"}, cuda_available=lambda: False)
    with pytest.raises(ValueError, match=r"device='cuda:0' asks for a GPU"):
        course_device("cuda:0", environ={}, cuda_available=lambda: False)


@pytest.mark.parametrize("bad", ["gpu", "meta"])
def test_an_unknown_device_is_refused_with_the_choices(bad):
    with pytest.raises(ValueError, match="'cpu'"):
        course_device(environ={ENVIRONMENT_VARIABLE: bad}, cuda_available=lambda: False)


def test_the_forked_random_state_covers_every_gpu():
    assert generator_devices(cuda_available=lambda: True, device_count=lambda: 3) == [0, 1, 2]
    assert generator_devices(cuda_available=lambda: False, device_count=lambda: 3) == []


def test_own_random_state_gives_the_cpu_generator_back():
    torch.manual_seed(123)
    expected = torch.rand(4)
    torch.manual_seed(123)
    with own_random_state():
        torch.manual_seed(0)
        torch.rand(100)
    assert torch.equal(torch.rand(4), expected)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA; the CPU generator is tested above")
def test_own_random_state_gives_every_cuda_generator_back():
    states = [torch.cuda.get_rng_state(i) for i in range(torch.cuda.device_count())]
    with own_random_state():
        torch.manual_seed(0)
        torch.rand(100, device="cuda")
    assert all(torch.equal(torch.cuda.get_rng_state(i), state) for i, state in enumerate(states))
