"""One way to call a student's function (``utils.calling``): the visible checks, the hidden tests' recorder and the
explorer all go through it, so each classic failure is told the same way by all three; and no other module of the
student's package catches what a student's code raises on its own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import torch

from utils import checks
from utils.calling import Outcome, Problem, Watch, call
from utils.explorer import saliency_explorer
from utils.models import load_tiny_model
from utils.package_split import STUDENT_PACKAGE, is_student_file
from utils.recording import make_record
from utils.recording._format import decode

GRADE_ID = "test_compute_cam_hidden_mnist"  # two MNIST digits on the small network: quick to record


def model_and_input() -> tuple:
    return load_tiny_model(), torch.zeros(1, 1, 28, 28), 3


# Each classic mistake as a student's compute_cam (its name is what the messages and the explorer go by).

def stub():
    def compute_cam(model, x, class_idx, layer=None):
        raise NotImplementedError()
    return compute_cam


def raises_key_error():
    def compute_cam(model, x, class_idx, layer=None):
        return {}["oops"]
    return compute_cam


def raises_value_error():
    def compute_cam(model, x, class_idx, layer=None):
        raise ValueError("no layer named 'conv9'")
    return compute_cam


def leaves_a_hook():
    def compute_cam(model, x, class_idx, layer=None):
        model.register_forward_hook(lambda *args: None)
        return torch.zeros(1, 7, 7)
    return compute_cam


def recorded(function) -> list[dict]:
    cases, _ = decode(make_record(GRADE_ID, function()), GRADE_ID)
    return cases


def explored(function) -> Outcome:
    explorer = saliency_explorer(compute_cam=function(), render=False)
    explorer.methods.value = ("CAM",)
    explorer.render()
    return explorer.results[("", "CAM")]


# --- each classic failure, through the three callers ----------------------------------------------------------

def test_a_stub_is_not_done_for_all_three():
    replace_it = "compute_cam is not implemented yet: replace `raise NotImplementedError()` with your code."
    with pytest.raises(checks.ExerciseNotDone) as raised:
        checks.run_exercise(stub(), *model_and_input())
    assert str(raised.value) == replace_it
    assert recorded(stub) == [{"kind": "stub", "message": replace_it, "problems": []}] * 2
    outcome = explored(stub)
    assert outcome.not_done and isinstance(outcome.error, NotImplementedError) and outcome.culprit == "compute_cam"
    # the explorer knows which notebook asks for the function, so it names it
    assert outcome.message == ("compute_cam is not implemented yet: finish the exercise `compute_cam` in "
                               "06_cam_family and run its cell again.")


def test_an_exception_is_the_same_error_for_all_three():
    with pytest.raises(KeyError) as raised:
        checks.run_exercise(raises_key_error(), *model_and_input())
    assert raised.value.args == ("oops",)
    assert recorded(raises_key_error) == [{"kind": "error", "message": "compute_cam raised KeyError: 'oops'",
                                           "value_error": False, "problems": []}] * 2
    outcome = explored(raises_key_error)
    assert outcome.kind == "error" and outcome.message == "compute_cam raised KeyError: 'oops'"
    assert isinstance(outcome.error, KeyError) and outcome.line.startswith("line ")
    assert outcome.message_with_line == f"compute_cam raised KeyError: 'oops' ({outcome.line})"


def test_a_value_error_is_told_apart_for_the_judge():
    with pytest.raises(ValueError, match="no layer named 'conv9'"):
        checks.run_exercise(raises_value_error(), *model_and_input())
    assert recorded(raises_value_error)[0] == {"kind": "error", "value_error": True, "problems": [],
                                               "message": "compute_cam raised ValueError: no layer named 'conv9'"}


def test_a_hook_left_behind_is_noticed_by_the_checks_and_the_recorder():
    with pytest.raises(AssertionError, match="compute_cam left a hook on the model"):
        checks.run_exercise(leaves_a_hook(), *model_and_input())
    for case in recorded(leaves_a_hook):
        assert case["problems"] == [{"kind": "hook_left", "message": "compute_cam left 1 hook(s) on the model. Remove "
                                     "every hook you register (handle.remove()), ideally in a `finally:` block."}]


# --- the call itself ------------------------------------------------------------------------------------------

def test_a_stub_inside_another_exercise_is_blamed_on_the_inner_one():
    def interpolate_path(x, baseline, steps):
        raise NotImplementedError()

    def integrated_gradients(x):
        return interpolate_path(x, None, 3)

    outcome = call(integrated_gradients, (1,), exercises={"interpolate_path": "03_integrated_gradients",
                                                          "integrated_gradients": "03_integrated_gradients"})
    assert outcome.culprit == "interpolate_path" and outcome.message.startswith("interpolate_path is not implemented")


def test_the_students_keywords_never_clash_with_the_calls_own():
    def explain(name=None, watch=None, exercises=None):
        return name, watch, exercises

    assert call(explain, (), {"name": 1, "watch": 2, "exercises": 3}).value == (1, 2, 3)


def test_an_interrupted_call_is_not_caught():
    def interrupted():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        call(interrupted)


def test_a_long_error_text_is_cut():
    def f():
        raise RuntimeError("x" * 5000)

    assert call(f).message == "f raised RuntimeError: " + "x" * (600 - len("RuntimeError: "))


def test_the_watched_model_gets_its_modes_back_and_a_changed_input_is_noted():
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout()).eval()

    def train_and_scribble(model, x):
        model.train()
        x.add_(1.0)
        return x

    x = torch.zeros(1, 2)
    outcome = call(train_and_scribble, (model, x), name="f", watch=Watch(model=model, inputs=True))
    assert not any(m.training for m in model.modules()) and torch.equal(x, torch.zeros(1, 2))
    assert [p.kind for p in outcome.problems] == ["input_modified"]


@pytest.mark.parametrize("make, message", [
    (lambda: Watch(captum="sometimes"), "use one of"),
    (lambda: Outcome(kind="fine"), "unknown outcome kind"),
    (lambda: Problem("slow", "it took long"), "unknown problem kind"),
], ids=["captum policy", "outcome kind", "problem kind"])
def test_a_misspelt_kind_is_refused_with_the_ones_there_are(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# --- no other module catches a student's call on its own ------------------------------------------------------

CALLING = STUDENT_PACKAGE / "calling"
#: Broad handlers in the student's package that surround no student's code, each with why it is there.
NOT_A_STUDENTS_CALL = {"models.py": "fetching weights over the network",
                       "recording/_format.py": "reading a record's bytes, in the judge's process"}
CALLERS = ("checks/running.py", "recording/__init__.py", "explorer/saliency.py", "explorer/sanity.py",
           "explorer/complexity.py")


def catches_on_its_own(source: str) -> list[int]:
    """Lines with a handler that catches anything (bare, Exception, BaseException) or a stub (NotImplementedError),
    or that tests for a stub (isinstance(..., NotImplementedError))."""
    def names(node) -> set[str]:
        return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} if node is not None else {"<bare>"}

    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ExceptHandler) and names(node.type) & {"<bare>", "Exception", "BaseException",
                                                                        "NotImplementedError"}:
            lines.append(node.lineno)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "isinstance"
              and "NotImplementedError" in names(node)):
            lines.append(node.lineno)
    return lines


def student_modules() -> list[Path]:
    return [p for p in STUDENT_PACKAGE.rglob("*.py") if is_student_file(p) and not p.is_relative_to(CALLING)]


def test_the_scan_finds_a_planted_catch():
    assert catches_on_its_own("try:\n    f()\nexcept Exception:\n    pass\n") == [3]
    assert catches_on_its_own("try:\n    f()\nexcept:\n    pass\n") == [3]
    assert catches_on_its_own("try:\n    f()\nexcept (KeyError, BaseException) as e:\n    pass\n") == [3]
    assert catches_on_its_own("try:\n    f()\nexcept NotImplementedError:\n    pass\n") == [3]
    assert catches_on_its_own("stub = isinstance(error, NotImplementedError)\n") == [1]
    assert catches_on_its_own("try:\n    f()\nexcept ValueError:\n    pass\n") == []


def test_only_utils_calling_catches_what_a_students_code_raises():
    found = {str(p.relative_to(STUDENT_PACKAGE)): catches_on_its_own(p.read_text()) for p in student_modules()}
    assert len(found) > 40, "the scan saw too few modules"
    assert {path: lines for path, lines in found.items() if lines and path not in NOT_A_STUDENTS_CALL} == {}


def test_there_is_one_result_type_and_every_caller_uses_the_one_call():
    outcome_classes = [str(p.relative_to(STUDENT_PACKAGE.parent)) for p in STUDENT_PACKAGE.rglob("*.py")
                       if any(isinstance(n, ast.ClassDef) and n.name == "Outcome" for n in ast.walk(ast.parse(
                           p.read_text())))]
    assert outcome_classes == ["utils/calling/outcome.py"]
    for caller in CALLERS:
        tree = ast.parse((STUDENT_PACKAGE / caller).read_text())
        imports = {(n.module, a.name) for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
        assert ("utils.calling", "call") in imports, caller
