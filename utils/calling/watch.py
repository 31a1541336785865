"""What to watch a call of a student's function for, besides what it returns: what an explanation must not do.

The recorder watches everything (inside the grading kernel it decides nothing: it notes what it
saw for the judge); the visible checks watch for hooks left on the models they pass; the explorer
watches nothing. A watch only notes :class:`~utils.calling.outcome.Problem`s; the caller decides
what each means.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from utils.package_split import INSTRUCTOR_PACKAGE
from utils.properties import hook_count

from .outcome import Problem

CAPTUM = "Captum"
#: What an exercise allows of Captum.
CAPTUM_POLICIES = ("forbidden", "allowed", "required")


def _package_dir(name: str) -> str | None:
    try:
        module = __import__(name)
    except ImportError:
        return None
    return str(Path(module.__file__).resolve().parent)


def watched_sources() -> dict[str, str]:
    """Code a submission may not run in place of its own: label → directory prefix.

    The answer key and the judge are not even visible in a sandboxed grading
    kernel; they are watched for the runs without a sandbox (tests, ``--no-sandbox``).
    """
    sources = {"the answer key and grader (utils.instructor)": str(INSTRUCTOR_PACKAGE),
               "pytorch-grad-cam": _package_dir("pytorch_grad_cam"), CAPTUM: _package_dir("captum")}
    return {label: path for label, path in sources.items() if path}


def run_watched(function, sources: dict[str, str], *args, **kwargs):
    """Call ``function`` and note the first function it called in each of ``sources``.

    Returns (result, {label: qualified name}). Location-based, so it also sees
    functions bound before grading began (``from captum.attr import ...`` at the
    top of a notebook).
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


def _copy(value):
    return value.detach().clone() if isinstance(value, torch.Tensor) else value


@dataclass(frozen=True)
class Watch:
    """What to watch one call for (nothing, by default).

    ``hooks_on``: models on which a hook left behind is a problem. ``model``: the network the
    call explains: its parameters and buffers must not change, and its modes are restored after
    the call. ``inputs``: the call gets copies of its tensor arguments, and changing one in place
    is a problem. ``captum``: None leaves libraries unwatched; else what the exercise allows of
    Captum (one of CAPTUM_POLICIES); the answer key and pytorch-grad-cam are then always forbidden.
    """

    hooks_on: tuple[nn.Module, ...] = ()
    model: nn.Module | None = None
    inputs: bool = False
    captum: str | None = None

    def __post_init__(self):
        if self.captum is not None and self.captum not in CAPTUM_POLICIES:
            raise ValueError(f"captum={self.captum!r}: use one of {CAPTUM_POLICIES}, or None not to watch libraries.")

    def begin(self, args: tuple, kwargs: dict) -> Watching:
        """Take what must be compared after the call, before it."""
        return Watching(self, args, kwargs)


class Watching:
    """One watched call: the arguments it gets, what was taken before it, the libraries it reached."""

    def __init__(self, watch: Watch, args: tuple, kwargs: dict):
        self.watch = watch
        if watch.inputs:
            args, kwargs = tuple(_copy(a) for a in args), {k: _copy(v) for k, v in kwargs.items()}
        self.args, self.kwargs = args, kwargs
        self.given = [t for t in (*args, *kwargs.values()) if isinstance(t, torch.Tensor)] if watch.inputs else []
        self.given_snapshots = [t.clone() for t in self.given]
        if watch.model is not None:
            self.state = {k: v.detach().clone() for k, v in watch.model.state_dict().items()}
            self.modes = [m.training for m in watch.model.modules()]
        self.hooks = [hook_count(m) for m in watch.hooks_on]
        self.sources = watched_sources() if watch.captum is not None else {}
        self.seen: dict[str, str] = {}

    def run(self, function):
        """``function`` on the watched arguments (under the library watch when there is one)."""
        if not self.sources:
            return function(*self.args, **self.kwargs)
        value, self.seen = run_watched(function, self.sources, *self.args, **self.kwargs)
        return value

    def end(self, name: str, returned: bool) -> tuple[tuple[Problem, ...], bool]:
        """Restore the model's modes; (the problems noticed, whether Captum was reached).

        ``name`` is the exercise's function name for the messages; ``returned``: the call gave a
        value (a call that raised is not judged on the libraries it reached).
        """
        watch, problems = self.watch, []
        if watch.model is not None:
            for module, mode in zip(watch.model.modules(), self.modes):
                module.training = mode
        seen = self.seen if returned else {}
        used_captum = CAPTUM in seen
        for label, qualname in seen.items():
            if label != CAPTUM or watch.captum == "forbidden":
                problems.append(Problem("forbidden_call", f"{name} called {qualname} from {label}. This exercise asks "
                                                          "you to implement the method yourself."))
        if watch.captum == "required" and returned and not used_captum:
            problems.append(Problem("captum_not_used", f"{name} did not use Captum; this exercise asks you to call "
                                                       "captum.attr.IntegratedGradients."))
        hooks = [hook_count(m) for m in watch.hooks_on]
        if hooks != self.hooks:
            problems.append(Problem("hook_left", f"{name} left {sum(hooks) - sum(self.hooks)} hook(s) on the model. "
                                                 "Remove every hook you register (handle.remove()), ideally in a "
                                                 "`finally:` block."))
        if watch.model is not None:
            for key, value in watch.model.state_dict().items():
                if key not in self.state or not torch.equal(value, self.state[key]):
                    hint = (" (batch-norm statistics change when the model runs in train mode: call model.eval())"
                            if "running" in key or "num_batches" in key else "")
                    problems.append(Problem("model_changed", f"{name} changed the model's {key}{hint}. Explanations "
                                                             "must not modify the model."))
                    break
        for tensor, snapshot in zip(self.given, self.given_snapshots):
            if tensor.shape != snapshot.shape or not torch.equal(tensor.detach(), snapshot):
                problems.append(Problem("input_modified", f"{name} modified its input tensor in place; work on a copy "
                                                          "(x = input_tensor.clone().detach())."))
                break
        return tuple(problems), used_captum
