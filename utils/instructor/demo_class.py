"""A sample class to rehearse grading on: generated submissions with known scores.

    python -m utils.instructor demo-class [--out demo_class] [--students N]

Every student hands in stage 01 (vanilla gradients), as one of the kinds below:
correct answers (some renamed, resubmitted or noisy on stderr), typical mistakes,
stubs, broken files and hostile code. ``expected_scores.csv`` holds the score each
should get from autograding, computed from the points in the source notebook.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .paths import RELEASE, SOURCE

STAGE = "01_vanilla_gradients"
FORM, HIDDEN_IMAGENET, HIDDEN_MNIST = ("test_vanilla_gradients_form", "test_vanilla_gradients_hidden_imagenet",
                                       "test_vanilla_gradients_hidden_mnist")
ALL = (FORM, HIDDEN_IMAGENET, HIDDEN_MNIST)

CORRECT = """
def vanilla_gradients(model, input_tensor, target_class):
    model.eval()
    x = input_tensor.clone().detach().requires_grad_(True)
    model(x)[0, target_class].backward()
    return x.grad
"""

VARIANTS = {
    "softmax": CORRECT.replace("model(x)[0, target_class]", "model(x).softmax(dim=1)[0, target_class]"),
    "no_eval": CORRECT.replace("    model.eval()\n", ""),
    "absolute": CORRECT.replace("return x.grad", "return x.grad.abs()"),
    "answer_key": """
def vanilla_gradients(model, input_tensor, target_class):
    from utils.reference import vanilla_gradients as answer
    return answer(model, input_tensor, target_class)
""",
    "warns": """
import warnings
def vanilla_gradients(model, input_tensor, target_class):
    warnings.warn("a harmless warning printed to stderr")
    model.eval()
    x = input_tensor.clone().detach().requires_grad_(True)
    model(x)[0, target_class].backward()
    return x.grad
""",
    "patches_allclose": CORRECT + """
import numpy, torch
numpy.allclose = lambda *args, **kwargs: True
torch.allclose = lambda *args, **kwargs: True
""",
    "leaves_hook": CORRECT.replace("    model.eval()\n", "    model.eval()\n    model.register_forward_hook(lambda *a: None)\n"),
    "kills_kernel_on_mnist": CORRECT.replace("    model.eval()\n", "    model.eval()\n    if input_tensor.shape[1] == 1:\n        import os\n        os._exit(1)\n"),
    "sigkill_on_mnist": CORRECT.replace("    model.eval()\n", "    model.eval()\n    if input_tensor.shape[1] == 1:\n        import os, signal\n        os.kill(os.getpid(), signal.SIGKILL)\n"),
    "runs_out_of_memory_on_mnist": CORRECT.replace("    model.eval()\n", "    model.eval()\n    if input_tensor.shape[1] == 1:\n        import numpy\n        hoard = numpy.ones(10 ** 13)\n"),
    "infinite_loop_after_def": CORRECT + "\nwhile True:\n    pass\n",
    "mutates_model_on_photos": CORRECT.replace("    return x.grad", """    if input_tensor.shape[1] == 3:
        import torch
        with torch.no_grad():
            for parameter in model.parameters():
                parameter.mul_(0.5)
    return x.grad"""),
    "mutates_input": CORRECT.replace("    return x.grad", """    import torch
    with torch.no_grad():
        input_tensor.clamp_(-0.5, 0.5)
    return x.grad"""),
}


@dataclass(frozen=True)
class Kind:
    name: str
    passes: tuple        # test cells that should earn their points
    how: str             # what the submission does


KINDS = [
    Kind("correct", ALL, "the solution"),
    Kind("correct_renamed", ALL, "the solution, saved under another file name"),
    Kind("resubmitted", ALL, "a stub first, then the solution an hour later; the later one counts"),
    Kind("stub", (), "the untouched release"),
    Kind("softmax", (FORM,), "explains the softmax probability instead of the logit"),
    Kind("no_eval", (FORM, HIDDEN_MNIST), "forgets model.eval() (the MNIST model has no batch norm or dropout)"),
    Kind("absolute", (), "returns |gradient|"),
    Kind("answer_key", (FORM,), "calls utils.reference in place of its own code"),
    Kind("warns", ALL, "correct, but writes a warning to stderr"),
    Kind("patches_allclose", (), "correct, but replaces numpy.allclose and torch.allclose"),
    Kind("leaves_hook", (), "correct values, but leaves a hook on the model"),
    Kind("kills_kernel_on_mnist", (FORM, HIDDEN_IMAGENET), "calls os._exit on MNIST inputs"),
    Kind("sigkill_on_mnist", (FORM, HIDDEN_IMAGENET), "is killed like by the out-of-memory killer on MNIST inputs"),
    Kind("runs_out_of_memory_on_mnist", (FORM, HIDDEN_IMAGENET), "asks for 80 TB on MNIST inputs"),
    Kind("deleted_tests", ALL, "the solution with every test cell deleted (nbgrader puts them back)"),
    Kind("edited_tests", ALL, "the solution with its test cells rewritten to pass (nbgrader restores them)"),
    Kind("invalid_json", (), "a file that is not JSON"),
    Kind("wrong_nbformat", (), "a notebook claiming nbformat 99"),
    Kind("infinite_loop_after_def", ALL, "the solution followed by an endless loop in the same cell"),
    Kind("correct_numpy", ALL, "the solution returning a NumPy array without the batch dimension"),
    Kind("mutates_model_on_photos", (HIDDEN_MNIST,),
         "halves the ImageNet model's weights after computing; the MNIST test after it must not suffer"),
    Kind("mutates_input", (), "clamps the caller's input tensor in place"),
]


def _points() -> dict:
    nb = nbformat.read(SOURCE / STAGE / f"{STAGE}.ipynb", 4)
    return {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"].get("points", 0)
            for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}


def _release():
    return nbformat.read(RELEASE / STAGE / f"{STAGE}.ipynb", 4)


def _with_solution(code: str):
    nb = _release()
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "vanilla_gradients":
            cell.source = code.strip("\n")
    return nb


def _write(nb, path: Path, mtime: dt.datetime | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    if mtime:
        os.utime(path, (mtime.timestamp(), mtime.timestamp()))


def make_submission(kind: str, folder: Path) -> None:
    """Write one student's submission of kind ``kind`` into ``folder`` (the student's own folder)."""
    target = folder / f"{STAGE}.ipynb"
    now = dt.datetime(2026, 11, 20, 12, 0)
    if kind == "correct" or kind in VARIANTS:
        _write(_with_solution(VARIANTS.get(kind, CORRECT)), target)
    elif kind == "correct_numpy":
        _write(_with_solution(CORRECT.replace("return x.grad", "return x.grad[0].numpy()")), target)
    elif kind == "correct_renamed":
        _write(_with_solution(CORRECT), folder / "my homework FINAL (2).ipynb")
    elif kind == "resubmitted":
        _write(_release(), folder / "first try.ipynb", now)
        _write(_with_solution(CORRECT), folder / "second try.ipynb", now + dt.timedelta(hours=1))
    elif kind == "stub":
        _write(_release(), target)
    elif kind == "deleted_tests":
        nb = _with_solution(CORRECT)
        nb.cells = [c for c in nb.cells if not c.metadata.get("nbgrader", {}).get("grade")
                    or c.metadata["nbgrader"].get("solution")]
        _write(nb, target)
    elif kind == "edited_tests":
        nb = _with_solution(CORRECT)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade") and not meta.get("solution"):
                cell.source = "pass  # 'tests' replaced by the student"
        _write(nb, target)
    elif kind == "invalid_json":
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text('{"cells": [ this is not json')
    elif kind == "wrong_nbformat":
        target.parent.mkdir(parents=True, exist_ok=True)
        data = json.loads(nbformat.writes(_with_solution(CORRECT)))
        data["nbformat"] = 99
        target.write_text(json.dumps(data))
    else:
        raise ValueError(f"unknown kind {kind!r}; kinds: {[k.name for k in KINDS]}")


def make_demo_class(out: Path, students: int = len(KINDS), kinds: list[str] | None = None, log=print) -> Path:
    """``students`` submissions cycling through ``kinds`` (default: all), and expected_scores.csv."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    chosen = [k for k in KINDS if kinds is None or k.name in kinds]
    points = _points()
    rows = []
    for number in range(students):
        kind = chosen[number % len(chosen)]
        student = f"s{number + 1:02d}-{kind.name.replace('_', '-')}"
        make_submission(kind.name, out / student)
        rows.append({"student_id": student, "kind": kind.name, "how": kind.how,
                     STAGE: float(sum(points[g] for g in kind.passes))})
    with open(out / "expected_scores.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["student_id", "kind", "how", STAGE])
        writer.writeheader()
        writer.writerows(rows)
    log(f"wrote {students} submissions of {STAGE} to {out} (expected scores in {out / 'expected_scores.csv'})")
    return out
