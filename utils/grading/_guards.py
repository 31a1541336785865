"""Run a student's function under watch: which libraries it calls, and what it
leaves behind on the model and the inputs."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import torch
from torch import nn

from utils.checks import ExerciseNotDone, hook_count

_UTILS = Path(__file__).resolve().parent.parent


def _package_dir(name: str) -> str:
    module = __import__(name)
    return str(Path(module.__file__).resolve().parent)


CAPTUM = "Captum"


def watched_sources() -> dict[str, str]:
    """Code a submission may not run in place of its own: label → directory prefix."""
    return {
        "the answer key (utils.reference)": str(_UTILS / "reference"),
        "the grader (utils.grading)": str(_UTILS / "grading"),
        "pytorch-grad-cam": _package_dir("pytorch_grad_cam"),
        CAPTUM: _package_dir("captum"),
    }


def run_watched(function, sources: dict[str, str], *args, **kwargs):
    """Call ``function`` and record every Python call it makes into code under ``sources``.

    Returns (result, {label: first function called there}). Location-based, so it
    also sees functions bound before grading began (``from captum.attr import
    IntegratedGradients`` at the top of a notebook). The profiler is installed
    around the call alone, so the grader's own frames are never seen.
    """
    seen: dict[str, str] = {}
    previous = sys.getprofile()

    def profiler(frame, event, _arg):
        if event == "call":
            filename = frame.f_code.co_filename
            for label, prefix in sources.items():
                if label not in seen and filename.startswith(prefix):
                    seen[label] = frame.f_code.co_qualname

    sys.setprofile(profiler)
    try:
        result = function(*args, **kwargs)
    finally:
        sys.setprofile(previous)
    return result, seen


_hook_count = hook_count


def _tensors_in(values):
    return [v for v in values if isinstance(v, torch.Tensor)]


def call_student(function, model: nn.Module, *args, allow_captum: bool = False, require_captum: bool = False,
                 **kwargs):
    """Call ``function(model, *args, **kwargs)`` and check what it did.

    Fails (AssertionError with a message for the student) when the function
    calls the answer key, the grader, pytorch-grad-cam or (unless allowed)
    Captum; changes the model's parameters or buffers; leaves hooks on it; or
    changes an input tensor. Tensor arguments are passed as copies and the model's
    modes are restored afterwards, so a misbehaving submission cannot poison the
    tests that follow.
    """
    name = getattr(function, "__name__", "your function")
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    modes = [m.training for m in model.modules()]
    hooks = _hook_count(model)
    originals = _tensors_in(args) + _tensors_in(kwargs.values())
    snapshots = [t.detach().clone() for t in originals]
    args = tuple(a.detach().clone() if isinstance(a, torch.Tensor) else a for a in args)
    kwargs = {k: v.detach().clone() if isinstance(v, torch.Tensor) else v for k, v in kwargs.items()}
    given = _tensors_in(args) + _tensors_in(kwargs.values())
    given_snapshots = [t.clone() for t in given]
    try:
        try:
            result, seen = run_watched(function, watched_sources(), model, *args, **kwargs)
        except NotImplementedError:
            raise ExerciseNotDone(f"{name} is not implemented yet.") from None
    finally:
        for module, mode in zip(model.modules(), modes):
            module.training = mode
    forbidden = {label: q for label, q in seen.items() if label != CAPTUM or not (allow_captum or require_captum)}
    for label, qualname in forbidden.items():
        raise AssertionError(f"{name} called {qualname} from {label}. This exercise asks you to implement "
                             "the method yourself.")
    if require_captum and CAPTUM not in seen:
        raise AssertionError(f"{name} did not use Captum; this exercise asks you to call "
                             "captum.attr.IntegratedGradients.")
    if _hook_count(model) != hooks:
        raise AssertionError(f"{name} left {_hook_count(model) - hooks} hook(s) on the model. Remove every hook "
                             "you register (handle.remove()), ideally in a `finally:` block.")
    for key, value in model.state_dict().items():
        if key not in state or not torch.equal(value, state[key]):
            hint = " (batch-norm statistics change when the model runs in train mode: call model.eval())" \
                if "running" in key or "num_batches" in key else ""
            raise AssertionError(f"{name} changed the model's {key}{hint}. Explanations must not modify the model.")
    for tensor, snapshot in zip(given, given_snapshots):
        if tensor.shape != snapshot.shape or not torch.equal(tensor.detach(), snapshot):
            raise AssertionError(f"{name} modified its input tensor in place; work on a copy "
                                 "(x = input_tensor.clone().detach()).")
    for tensor, snapshot in zip(originals, snapshots):
        assert torch.equal(tensor, snapshot)  # the caller's tensors were never handed out
    return result


_PRISTINE_MODELS: dict = {}


def fresh_model(kind: str, train_mode: bool = False) -> nn.Module:
    """A private copy of a course model ("imagenet" or "tiny"), loaded once per kernel."""
    if kind not in _PRISTINE_MODELS:
        from utils.models import load_imagenet_model, load_tiny_model

        loaders = {"imagenet": load_imagenet_model, "tiny": load_tiny_model}
        if kind not in loaders:
            raise ValueError(f"unknown model kind {kind!r}; use 'imagenet' or 'tiny'.")
        _PRISTINE_MODELS[kind] = loaders[kind]()
    model = copy.deepcopy(_PRISTINE_MODELS[kind])
    return model.train() if train_mode else model.eval()


def call_function(function, *args, **kwargs):
    """Call a student's function that takes no model (a baseline, a path, a cost table).

    Fails like :func:`call_student` when it calls the answer key, the grader,
    pytorch-grad-cam or Captum, or changes a tensor it was given (it receives copies).
    """
    name = getattr(function, "__name__", "your function")
    given = [a.detach().clone() if isinstance(a, torch.Tensor) else a for a in args]
    snapshots = [t.clone() for t in _tensors_in(given)]
    try:
        result, seen = run_watched(function, watched_sources(), *given, **kwargs)
    except NotImplementedError:
        raise ExerciseNotDone(f"{name} is not implemented yet.") from None
    for label, qualname in seen.items():
        raise AssertionError(f"{name} called {qualname} from {label}. This exercise asks you to write it yourself.")
    for tensor, snapshot in zip(_tensors_in(given), snapshots):
        if not torch.equal(tensor, snapshot):
            raise AssertionError(f"{name} modified its input tensor in place; work on a copy "
                                 "(x = input_tensor.clone()).")
    return result
