"""A sample class to rehearse grading on: generated submissions with known scores.

    python -m utils.instructor demo-class [--out demo_class] [--students N]

Every student hands in stage 01 (vanilla gradients), as one of the kinds below:
correct answers (some renamed, resubmitted or noisy on stderr), typical mistakes,
stubs, broken files and hostile code. ``expected_scores.csv`` holds the score each
should get from autograding, computed from the points in the source notebook.
``expected_report.json`` holds what the class report must find: the classic mistake
each kind makes (two students make the same one), the copy of a classmate's solution
with its variables renamed and its comments rewritten, independent solutions that must
not look alike, and the hand-ins that cannot be graded.

The submissions' code is in files next to this module, read as text: ``submissions/``
(whole exercise cells: the solution, its variants written another way, noise) and
``attacks/`` (what each hostile submission adds to its honest part; ``{root}`` and
``{repo}`` in it are filled in with the paths it aims at).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ...cells import find_cell, grade_id, is_grade, is_test, points
from ...paths import RELEASE, ROOT, SOURCE

STAGE = "01_vanilla_gradients"
FORM, HIDDEN_IMAGENET, HIDDEN_MNIST = ("test_vanilla_gradients_form", "test_vanilla_gradients_hidden_imagenet",
                                       "test_vanilla_gradients_hidden_mnist")
ALL = (FORM, HIDDEN_IMAGENET, HIDDEN_MNIST)

#: Where the submissions' code is: submissions/<name>.py, whole exercise cells; attacks/<kind>.py, the hostile code
#: an attack adds to its honest part. Read as text, never imported.
_HERE = Path(__file__).resolve().parent


def _code(folder: str, name: str) -> str:
    """The code of ``<folder>/<name>.py``, after a newline (the blank line between an honest part and an attack)."""
    return "\n" + (_HERE / folder / f"{name}.py").read_text(encoding="utf-8")


CORRECT = _code("submissions", "correct")

# A correct solution in a student's own, longer style, and a classmate's copy of it with every variable
# renamed and the comments rewritten (the class report's similarity check must find the pair).
OWN_STYLE = _code("submissions", "own_style")
RENAMED_COPY = _code("submissions", "renamed_copy")

# Written independently of CORRECT and OWN_STYLE: the same method, another route (torch.autograd.grad).
AUTOGRAD_STYLE = _code("submissions", "autograd_style")

VARIANTS = {
    "softmax": CORRECT.replace("model(x)[0, target_class]", "model(x).softmax(dim=1)[0, target_class]"),
    # The same mistake as "softmax", written by another student in another way.
    "softmax_again": _code("submissions", "softmax_again"),
    "own_style": OWN_STYLE,
    "renamed_copy": RENAMED_COPY,
    "autograd_style": AUTOGRAD_STYLE,
    "no_eval": CORRECT.replace("    model.eval()\n", ""),
    "absolute": CORRECT.replace("return x.grad", "return x.grad.abs()"),
    "answer_key": _code("submissions", "answer_key"),
    "warns": _code("submissions", "warns"),
    # Correct computations done another way, whose float32 numbers differ from the answer key's by more than its
    # own rounding on EfficientNet's ReLU6 kinks (docs/tolerances.md): each earns full marks.
    "float64": _code("submissions", "float64"),
    "channels_last": _code("submissions", "channels_last"),
    "batched": _code("submissions", "batched"),
    "torch_func": _code("submissions", "torch_func"),
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


NOISE = _code("submissions", "noise")

# Attacks, each written as a student who has read every file of the course would: the honest part it starts
# from (NOISE earns nothing, CORRECT everything, "" for an attack written whole) and its own code,
# attacks/<kind>.py. In that code ``{root}`` is the grading workspace (submitted/, gradebook.db, grades.csv,
# feedback/) and ``{repo}`` the course's repository: the worst case is an attacker who knows both paths.
ATTACKS = {kind: honest + _code("attacks", kind) for kind, honest in (
    ("reads_solutions", NOISE),
    ("quiet_answer_key", NOISE),
    ("walks_the_stack", NOISE),
    ("forges_records", NOISE),
    ("prints_grader_source", NOISE),
    ("odd_result", ""),
    ("copies_classmate", NOISE),
    ("harms_others", CORRECT),
    ("daemon_and_signals", CORRECT),
    ("fork_bomb", NOISE),
    ("fills_disk", CORRECT),
    # Tries to leave something behind for the kernels of later notebooks (its own grade is honest).
    ("persists", CORRECT),
    # Graded after "persists": returns noise when anything of it survived into this kernel.
    ("finds_persisted", ""),
    ("network", CORRECT),
)}
_PLACEHOLDER = re.compile(r"\{(root|repo)\}")


def _aimed_at(code: str, root: Path, repo: Path) -> str:
    """An attack's ``code`` with ``{root}`` and ``{repo}`` replaced by those paths, in one pass (a path is not
    searched for placeholders in its turn)."""
    paths = {"root": str(root), "repo": str(repo)}
    return _PLACEHOLDER.sub(lambda match: paths[match[1]], code)


@dataclass(frozen=True)
class Kind:
    name: str
    passes: tuple        # test cells that should earn their points
    how: str             # what the submission does
    mistake: str | None = None  # the classic mistake (judge/mistakes.py) the judge names in each test it fails


KINDS = [
    Kind("correct", ALL, "the solution"),
    Kind("correct_renamed", ALL, "the solution, saved under another file name"),
    Kind("resubmitted", ALL, "a stub first, then the solution an hour later; the later one counts"),
    Kind("stub", (), "the untouched release"),
    Kind("softmax", (), "explains the softmax probability instead of the logit", "probability"),
    Kind("softmax_again", (), "the same mistake as 'softmax', written another way (torch.softmax)", "probability"),
    Kind("own_style", ALL, "a correct solution in a longer style of its own (restores the model's mode)"),
    Kind("renamed_copy", ALL, "a copy of 'own_style' with every variable renamed and the comments rewritten"),
    Kind("autograd_style", ALL, "a correct solution written independently (torch.autograd.grad)"),
    Kind("no_eval", (FORM, HIDDEN_MNIST), "forgets model.eval() (the MNIST model has no batch norm or dropout)",
         "model_changed"),
    Kind("absolute", (), "returns |gradient|", "absolute_value"),
    Kind("answer_key", (), "calls the answer key in place of its own code (invisible in the sandbox)"),
    Kind("warns", ALL, "correct, but writes a warning to stderr"),
    Kind("patches_allclose", ALL, "correct, and replaces numpy.allclose and torch.allclose (the judge uses neither)"),
    Kind("leaves_hook", (), "correct values, but leaves a hook on the model", "hook_left"),
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
         "halves the ImageNet model's weights after computing; the MNIST test after it must not suffer",
         "model_changed"),
    Kind("mutates_input", (), "clamps the caller's input tensor in place", "input_modified"),
    # Attacks (see ATTACKS): each earns exactly what its honest work earns.
    Kind("reads_solutions", (), "returns noise; execs the solution read from solutions/ on disk"),
    Kind("quiet_answer_key", (), "returns noise; switches the call watcher off and calls the answer key"),
    Kind("walks_the_stack", (), "returns noise; looks for the grader's expected value in the callers' frames"),
    Kind("forges_records", (), "returns noise; replaces the recorder with one that writes made-up records"),
    Kind("odd_result", (), "returns noise in a tensor subclass whose comparisons always say equal"),
    Kind("copies_classmate", (), "returns noise; execs a classmate's submitted solution"),
    Kind("prints_grader_source", (), "returns noise; prints the answer key, the judge and the solutions"),
    Kind("harms_others", ALL, "correct; tries to zero the gradebook, overwrite classmates, grades, feedback, the code"),
    Kind("daemon_and_signals", ALL, "correct; starts a daemon that edits grades.csv, stops and signals its parents"),
    Kind("fork_bomb", (), "returns noise; forks until the process limit"),
    Kind("fills_disk", ALL, "correct; writes until the disk is full"),
    Kind("network", ALL, "correct; opens network connections"),
    Kind("persists", ALL, "correct; tries to leave files, site hooks and state for the next notebooks' kernels"),
    Kind("finds_persisted", ALL, "correct, graded after 'persists': returns noise if anything of it survived"),
    # Correct computations done another way (see VARIANTS): the tolerances must accept each.
    Kind("float64", ALL, "correct, computed in float64 on a double-precision copy of the model"),
    Kind("channels_last", ALL, "correct, computed in the channels-last memory format"),
    Kind("batched", ALL, "correct, written for a batch of inputs (one target per row, one backward pass)"),
    Kind("torch_func", ALL, "correct, written with torch.func.grad"),
]


def _points() -> dict:
    nb = nbformat.read(SOURCE / STAGE / f"{STAGE}.ipynb", 4)
    return {grade_id(c): points(c) for c in nb.cells if is_grade(c)}


def _release():
    return nbformat.read(RELEASE / STAGE / f"{STAGE}.ipynb", 4)


def _with_solution(code: str):
    nb = _release()
    find_cell(nb, "vanilla_gradients").source = code.strip("\n")
    return nb


def _write(nb, path: Path, mtime: dt.datetime | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    if mtime:
        os.utime(path, (mtime.timestamp(), mtime.timestamp()))


def make_submission(kind: str, folder: Path, attack_root: Path | None = None) -> None:
    """Write one student's submission of kind ``kind`` into ``folder`` (the student's own folder).

    ``attack_root``: the grading workspace the attacks aim at (default: the repository's)."""
    target = folder / f"{STAGE}.ipynb"
    now = dt.datetime(2026, 11, 20, 12, 0)
    if kind in ATTACKS:
        _write(_with_solution(_aimed_at(ATTACKS[kind], attack_root or ROOT, ROOT)), target)
    elif kind == "correct" or kind in VARIANTS:
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
        nb.cells = [c for c in nb.cells if not is_test(c)]
        _write(nb, target)
    elif kind == "edited_tests":
        nb = _with_solution(CORRECT)
        for cell in filter(is_test, nb.cells):
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


def make_demo_class(out: Path, students: int = len(KINDS), kinds: list[str] | None = None, log=print,
                    attack_root: Path | None = None) -> Path:
    """``students`` submissions cycling through ``kinds`` (default: all), and expected_scores.csv.

    ``attack_root``: the grading workspace the hostile submissions aim at (default: the repository)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    chosen = [k for k in KINDS if kinds is None or k.name in kinds]
    points = _points()
    rows = []
    for number in range(students):
        kind = chosen[number % len(chosen)]
        student = f"s{number + 1:02d}-{kind.name.replace('_', '-')}"
        make_submission(kind.name, out / student, attack_root)
        rows.append({"student_id": student, "kind": kind.name, "how": kind.how,
                     STAGE: float(sum(points[g] for g in kind.passes))})
    with open(out / "expected_scores.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["student_id", "kind", "how", STAGE])
        writer.writeheader()
        writer.writerows(rows)
    (out / "expected_report.json").write_text(json.dumps(expected_report(rows), indent=1))
    log(f"wrote {students} submissions of {STAGE} to {out} (expected scores in {out / 'expected_scores.csv'}, "
        f"what the class report must find in {out / 'expected_report.json'})")
    return out


#: Pairs of kinds written independently: the similarity check must keep them below its threshold.
INDEPENDENT = [("correct", "autograd_style"), ("correct", "own_style"), ("own_style", "autograd_style")]
COPIED = ("own_style", "renamed_copy")
NOT_GRADABLE = ("invalid_json", "wrong_nbformat")


def expected_report(rows: list[dict]) -> dict:
    """What the class report of the graded class ``rows`` (student_id, kind) must find (see the module's docstring).

    ``mistakes``: per test cell and mistake id, exactly the students the judge must name it for;
    ``copied``: the pair that must top similarity.csv; ``independent``: pairs that must not be listed;
    ``alone``: students similar to no one (the untouched stub); ``not_graded``: notebooks that cannot be graded.
    """
    students = {}
    for row in rows:
        students.setdefault(row["kind"], []).append(row["student_id"])
    kinds = {k.name: k for k in KINDS}
    mistakes = {}
    for kind, who in students.items():
        made = kinds[kind].mistake
        for test in ALL if made else ():
            if test not in kinds[kind].passes:
                mistakes.setdefault((test, made), []).extend(who)
    first = {kind: who[0] for kind, who in students.items()}
    return {
        "stage": STAGE,
        "mistakes": [{"test": test, "mistake": made, "students": sorted(who)}
                     for (test, made), who in sorted(mistakes.items())],
        "copied": sorted(first[k] for k in COPIED) if all(k in first for k in COPIED) else None,
        "independent": [sorted((first[a], first[b])) for a, b in INDEPENDENT if a in first and b in first],
        "alone": students.get("stub", []),
        "not_graded": sorted(s for kind in NOT_GRADABLE for s in students.get(kind, [])),
    }
