"""The judge and the hidden tests' recorder share with the visible checks only what both must decide alike
(``utils.properties``) and the inputs both use (``utils.known_cases``): neither imports ``utils.checks``, so an
edit to a visible check's messages or thresholds cannot silently change grading."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import torch

from utils import checks, known_cases, properties

UTILS = Path(__file__).resolve().parents[2] / "utils"
GRADING_SIDE = [*UTILS.joinpath("instructor", "judge").glob("*.py"), *UTILS.joinpath("recording").glob("*.py")]


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside functions (relative imports resolved within utils)."""
    package = ".".join(path.relative_to(UTILS.parent).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("path", GRADING_SIDE, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_grading_side_never_imports_the_visible_checks(path):
    assert not {m for m in imported_modules(path) if m == "utils.checks" or m.startswith("utils.checks.")}, path


def test_the_scan_sees_an_import_of_the_checks(tmp_path):
    """The scan above would notice one (a scan that cannot fail proves nothing)."""
    module = UTILS / "recording" / "_probe_for_the_scan.py"
    try:
        module.write_text("def f():\n    from utils.checks import relative_l2\n    from .. import checks\n")
        assert "utils.checks.relative_l2" in imported_modules(module) and "utils.checks" in imported_modules(module)
    finally:
        module.unlink()


def test_the_notebooks_still_find_the_shared_helpers_as_checks_x():
    for name in ("relative_l2", "as_float_tensor", "hook_count", "check_blur_baseline", "largest_noise_correlation",
                 "SAME_NOISE_CORRELATION", "linear_case", "cubic_case", "two_squares_case", "equivalent_model",
                 "mac_cases", "CubicModel", "TwoSquaresNet"):
        assert getattr(checks, name) is getattr(properties, name, None) or getattr(checks, name) is getattr(
            known_cases, name), name


def test_the_shared_cases_leave_the_callers_random_state_alone():
    torch.manual_seed(0)
    before = torch.random.get_rng_state()
    known_cases.linear_case(), known_cases.cubic_case(), known_cases.two_squares_case(), known_cases.mac_cases()
    assert torch.equal(torch.random.get_rng_state(), before)
