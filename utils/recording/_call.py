"""Call a student's function under watch: what it returned, and what it did that an explanation must not do.

This runs inside the grading kernel, next to the student's code, so it decides
nothing: it only notes what it saw (a library the exercise forbids, a hook left
on the model, a changed model or input) in the record. The judge, outside the
kernel, turns those notes and the returned values into a score.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from utils.calling import attempt
from utils.package_split import INSTRUCTOR_PACKAGE
from utils.properties import hook_count

CAPTUM = "Captum"


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


#: What the watcher can notice, one kind each (the judge maps a kind to an outcome or a classic mistake).
PROBLEM_KINDS = ("forbidden_call", "captum_not_used", "hook_left", "model_changed", "input_modified")


@dataclass
class Outcome:
    """What one call gave: the value, or the exception, and the problems noticed.

    ``problems``: ``{"kind": one of PROBLEM_KINDS, "message": what the student reads}`` each.
    """

    value: object = None
    error: BaseException | None = None
    problems: list[dict] = field(default_factory=list)
    used_captum: bool = False

    def note(self, kind: str, message: str) -> None:
        assert kind in PROBLEM_KINDS, kind
        self.problems.append({"kind": kind, "message": message})


def _copy(value):
    return value.detach().clone() if isinstance(value, torch.Tensor) else value


def call_watched(function, args: tuple, kwargs: dict, model: nn.Module | None = None, *,
                 captum: str = "forbidden", name: str | None = None) -> Outcome:
    """Call ``function(*args, **kwargs)`` with copies of its tensor arguments and watch it.

    ``model`` (if any) is the network the call explains: its parameters, buffers,
    hooks and modes are compared before and after, and its modes are restored.
    ``captum`` is "forbidden", "allowed" or "required" for this exercise; ``name``
    is the exercise's function name for the messages (the student's may differ).
    """
    name = name or getattr(function, "__name__", "your function")
    args, kwargs = tuple(_copy(a) for a in args), {k: _copy(v) for k, v in kwargs.items()}
    given = [t for t in (*args, *kwargs.values()) if isinstance(t, torch.Tensor)]
    given_snapshots = [t.clone() for t in given]
    if model is not None:
        state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        modes = [m.training for m in model.modules()]
        hooks = hook_count(model)
    outcome = Outcome()
    sources = watched_sources()
    call = attempt(run_watched, function, sources, *args, **kwargs)  # the judge reports any error
    if model is not None:
        for module, mode in zip(model.modules(), modes):
            module.training = mode
    outcome.error = call.error
    outcome.value, seen = call.value if call.error is None else (None, {})
    outcome.used_captum = CAPTUM in seen
    for label, qualname in seen.items():
        if label != CAPTUM or captum == "forbidden":
            outcome.note("forbidden_call", f"{name} called {qualname} from {label}. This exercise asks you to "
                         "implement the method yourself.")
    if captum == "required" and outcome.error is None and not outcome.used_captum:
        outcome.note("captum_not_used", f"{name} did not use Captum; this exercise asks you to call "
                     "captum.attr.IntegratedGradients.")
    if model is not None:
        if hook_count(model) != hooks:
            outcome.note("hook_left", f"{name} left {hook_count(model) - hooks} hook(s) on the model. Remove every "
                         "hook you register (handle.remove()), ideally in a `finally:` block.")
        for key, value in model.state_dict().items():
            if key not in state or not torch.equal(value, state[key]):
                hint = (" (batch-norm statistics change when the model runs in train mode: call model.eval())"
                        if "running" in key or "num_batches" in key else "")
                outcome.note("model_changed", f"{name} changed the model's {key}{hint}. Explanations must not "
                             "modify the model.")
                break
    for tensor, snapshot in zip(given, given_snapshots):
        if tensor.shape != snapshot.shape or not torch.equal(tensor.detach(), snapshot):
            outcome.note("input_modified", f"{name} modified its input tensor in place; work on a copy "
                         "(x = input_tensor.clone().detach()).")
            break
    return outcome
