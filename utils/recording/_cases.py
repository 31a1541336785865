"""What a hidden test is: the inputs it hands a student's function, and how the judge compares.

Each stage module (``stage01`` … ``stage07``) declares one :class:`HiddenTest` per
graded test cell. The same declaration serves both sides:

* in the grading kernel, :func:`utils.recording.record` builds the cases, calls the
  student's function on each and writes what came back into a record;
* in the instructor's process, the judge builds the same cases, computes what
  the answer key (``expected``, a function name in ``utils.instructor.reference``)
  returns on them, and compares with the record, both by ``rule``: a name, whose
  ``Rule`` (``utils/instructor/judge/rules/``, which no kernel can import) holds
  the expected values' recipe and the judgement side by side.

Adding a hidden test: its test cell (``record("<grade id>", function)``) in the
stage's solution notebook, and one ``HiddenTest`` with that grade id here.

Cases are built from files the course ships, deterministically (fixed seeds), so
both sides see the same inputs. They are not secret: knowing them does not help
without computing the right values, which is the exercise.
"""

from __future__ import annotations

import copy
import sys
from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import nn

#: The names a hidden test's ``rule`` may take: exactly the judge's table (``utils.instructor.judge.rules.RULES``).
RULES = ("close", "exact", "dict", "raises", "gap", "smoothgrad", "noise", "blur", "number", "layers", "curve",
         "cascade", "expectation")


@dataclass
class Case:
    """One call of the student's function: ``function(*args, **kwargs)``.

    ``model`` is the network among the arguments that the call explains (watched
    for hooks and changes); ``train_mode`` hands it over in train mode (the
    function must switch to eval itself). ``what`` describes the case in the
    judge's messages, without giving expected numbers away.
    """

    what: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    model: nn.Module | None = None
    train_mode: bool = False


@dataclass(frozen=True)
class HiddenTest:
    """One graded test cell: its cases, the answer-key function and how to compare.

    rule     close       relative L2 error ≤ rtol after lenient conversion (batch dim, dtype, NumPy)
             exact       the same integer
             dict        the same keys and exactly the same numbers
             raises      the call raises ``ValueError``
             gap         one number within ``rtol`` · max(1, |F(x) − F(x′)|) of the expected gap
             smoothgrad  the mean of independent noisy explanations (the record holds explain's calls)
             noise       a seeded uniform baseline: same for the same seed, in range, uniform
             blur        a heavy blur of the input (``utils.properties.check_blur_baseline``)
             number      one number within ``rtol`` (absolute) of the expected one
             layers      which parameterised layers of a returned model differ (``summary`` gives the 0/1 vector)
             curve       a deletion or insertion curve, each point within ``rtol`` (absolute)
             cascade     the model randomisation test: which models explain was given, then the correlations
             expectation a Monte-Carlo estimate (Expected Gradients) within the sampling error of its expectation

    (each one ``Rule`` of ``utils/instructor/judge/rules/<rule>.py``, "dict" in ``dictionary.py``). Every rule but
    raises, smoothgrad, noise, blur and expectation compares with the answer key: ``expected`` names its function.

    ``summary(case, value)``, when given, turns what the function returned into the
    numbers to compare (for answers that are not numbers, e.g. a model: which of its
    layers differ from the original), on both sides, before the rule applies.

    ``mistakes`` names the classic mistakes likely for this function ("probability",
    "no_relu", "left_riemann", ...; defined with the judge): when a ``close`` answer is
    wrong and matches one of them, the judge's message names that cause.
    """

    grade_id: str
    function: str
    cases: Callable[[], list[Case]]
    rule: str = "close"
    expected: str | None = None
    rtol: float = 0.0
    captum: str = "forbidden"
    summary: Callable[[Case, object], object] | None = None
    mistakes: tuple[str, ...] = ()

    def __post_init__(self):
        if self.rule not in RULES:
            raise ValueError(f"unknown rule {self.rule!r}; use one of {RULES}")
        if self.mistakes and self.rule != "close":
            raise ValueError(f"{self.grade_id}: only the 'close' rule compares with mistakes")


_PRISTINE_MODELS: dict = {}


def fresh_model(kind: str, train_mode: bool = False) -> nn.Module:
    """A private copy of a course model ("imagenet" or "tiny"), loaded once per process."""
    if kind not in _PRISTINE_MODELS:
        from utils.models import load_imagenet_model, load_tiny_model

        loaders = {"imagenet": load_imagenet_model, "tiny": load_tiny_model}
        if kind not in loaders:
            raise ValueError(f"unknown model kind {kind!r}; use 'imagenet' or 'tiny'.")
        _PRISTINE_MODELS[kind] = loaders[kind]()
    model = copy.deepcopy(_PRISTINE_MODELS[kind])
    return model.train() if train_mode else model.eval()


def ranked_class(model: nn.Module, x: torch.Tensor, rank: int = 1) -> int:
    """The model's class of the given rank for ``x`` (0 = the prediction, 1 = its second choice)."""
    from utils.models import evaluating

    with evaluating(model), torch.no_grad():
        return int(model(x).argsort(dim=1, descending=True)[0, rank])


def mnist_digits(*indices: int) -> list[torch.Tensor]:
    """Test-set digits as (1, 1, 28, 28) copies (never views of the cached set)."""
    from utils.data import load_mnist

    data = load_mnist().x_test
    return [data[i:i + 1].clone() for i in indices]


def photo(name: str) -> torch.Tensor:
    """A course photo as a (1, 3, 224, 224) batch."""
    from utils.data import load_photo

    return load_photo(name).tensor[None].clone()


REGISTRY: dict[str, HiddenTest] = {}
#: grade id -> the stage ("01_vanilla_gradients") whose notebook holds the test cell
STAGE_OF_TEST: dict[str, str] = {}


def register(*tests: HiddenTest) -> None:
    """Declare the tests of the calling stage module (``utils.recording.stageNN`` declares stage NN's)."""
    from utils.names import stage_numbered

    stage = stage_numbered(sys._getframe(1).f_globals["__name__"].rsplit(".", 1)[-1].removeprefix("stage"))
    for test in tests:
        if test.grade_id in REGISTRY and REGISTRY[test.grade_id] is not test:
            raise ValueError(f"two hidden tests are named {test.grade_id!r}")
        REGISTRY[test.grade_id], STAGE_OF_TEST[test.grade_id] = test, stage


def load_all_stages() -> None:
    """Import every ``stageNN`` module of this package (each registers its tests); safe to call again."""
    import importlib
    import pkgutil

    package = __name__.rsplit(".", 1)[0]
    for module in pkgutil.iter_modules(importlib.import_module(package).__path__):
        if module.name.startswith("stage"):
            importlib.import_module(f"{package}.{module.name}")


def hidden_test(grade_id: str) -> HiddenTest:
    """The declaration of test cell ``grade_id`` (every stage module is loaded when one is needed)."""
    if grade_id not in REGISTRY:
        load_all_stages()
    try:
        return REGISTRY[grade_id]
    except KeyError:
        raise KeyError(f"no hidden test is declared for test cell {grade_id!r}") from None


def stage_of(grade_id: str) -> str:
    """The stage ("01_vanilla_gradients" …) whose notebook holds test cell ``grade_id``."""
    hidden_test(grade_id)
    return STAGE_OF_TEST[grade_id]
