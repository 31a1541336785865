"""Where the course computes, and how precisely: one device choice and one numerical policy.

    course_device(device=None)
        device given                 -> that device            ("cpu", "cuda", "cuda:1", a torch.device)
        else $XAI_COURSE_DEVICE set  -> that device            (e.g. XAI_COURSE_DEVICE=cpu on a GPU machine)
        else                         -> "cuda" when torch.cuda.is_available(), otherwise "cpu"

    full_precision()
        float32 stays float32 everywhere: TF32 off for cuDNN convolutions and CUDA matrix products.

Why the policy: PyTorch lets cuDNN run float32 convolutions in TF32 (a 10-bit
mantissa) by default. Measured on an NVIDIA H200, that put EfficientNet-Lite0's
vanilla-gradient map 1.2e-1 (relative L2) from its float64 value, where the
CPU's float32 map is 3.0e-4 from it; with TF32 off the GPU is as close as the
CPU. The course's tolerances (1e-4 against Captum in float32) assume float32,
so every course code path turns TF32 off through :func:`full_precision`:
:func:`course_device`, the model loaders in :mod:`utils.models` and the
instructor's tools all call it. Its cost is speed on tensor-core GPUs only; a
CPU computes the same either way.

The notebooks and grading run on the CPU (the models' loaders default to
``device="cpu"``, and the data arrive as CPU tensors); the explorers, ``make
bench`` and ``make complexity-table`` use :func:`course_device`.
"""

from __future__ import annotations

import contextlib
import os

import torch

ENVIRONMENT_VARIABLE = "XAI_COURSE_DEVICE"


def full_precision() -> None:
    """Turn TF32 off (cuDNN convolutions, CUDA matmuls): float32 results match the CPU's within float32 rounding.

    Safe to call on a machine without CUDA (the flags are only read by CUDA kernels) and any number of times.
    """
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")


def tf32_enabled() -> bool:
    """Whether any CUDA kernel the course uses may run float32 in TF32 (False after :func:`full_precision`)."""
    return (bool(torch.backends.cudnn.allow_tf32) or bool(torch.backends.cuda.matmul.allow_tf32)
            or torch.get_float32_matmul_precision() != "highest")


def course_device(device=None, *, cuda_available=None, environ=None) -> torch.device:
    """The device the course computes on (see the module's docstring), with the numerical policy applied.

    ``cuda_available`` and ``environ`` are there for tests (a CPU standing in for a GPU machine).
    A device that is asked for but missing is an error, never a silent fallback.
    """
    cuda_available = cuda_available or torch.cuda.is_available
    environ = os.environ if environ is None else environ
    full_precision()
    source = "device"
    if device is None:
        device = environ.get(ENVIRONMENT_VARIABLE) or None
        source = f"${ENVIRONMENT_VARIABLE}"
    if device is None:
        return torch.device("cuda" if cuda_available() else "cpu")
    try:
        chosen = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ValueError(f"{source}={device!r} is not a device PyTorch knows ({error}); use 'cpu', 'cuda' or "
                         "'cuda:0'.") from error
    if chosen.type not in ("cpu", "cuda"):
        raise ValueError(f"{source}={device!r}: the course runs on 'cpu' or 'cuda' only.")
    if chosen.type == "cuda" and not cuda_available():
        raise ValueError(f"{source}={device!r} asks for a GPU, but PyTorch sees none on this machine "
                         f"(torch.cuda.is_available() is False); use 'cpu' or unset {ENVIRONMENT_VARIABLE}.")
    return chosen


def generator_devices(cuda_available=None, device_count=None) -> list[int]:
    """The CUDA devices whose random generators a forked random state must cover: all of them, or none."""
    cuda_available, device_count = cuda_available or torch.cuda.is_available, device_count or torch.cuda.device_count
    return list(range(device_count())) if cuda_available() else []


@contextlib.contextmanager
def own_random_state():
    """Run a block with its own random state: the caller's CPU generator and every CUDA generator come back as they were.

    ``torch.random.fork_rng(devices=[])`` restores only the CPU generator;
    ``torch.manual_seed`` inside it would still reseed every GPU's generator.
    """
    with torch.random.fork_rng(devices=generator_devices()):
        yield
