"""The student release in course/ is exactly what nbgrader makes from solutions/
now (drift), and it gives nothing away (leak)."""

import json
import re

import nbformat
import pytest

from utils.instructor.paths import RELEASE, SOURCE, stages
from utils.instructor.release import generate_release

STAGES = stages()
VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled")


def comparable(path):
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        for key in VOLATILE_CELL_METADATA:
            cell["metadata"].pop(key, None)
    return nb


def test_every_stage_is_released():
    assert len(STAGES) == 7, f"expected the seven stages in solutions/, found {STAGES}"
    released = sorted(p.parent.name for p in RELEASE.glob("*/*.ipynb"))
    assert released == STAGES, "course/ and solutions/ hold different stages: run `make release`"


@pytest.fixture(scope="module")
def fresh_release(tmp_path_factory):
    out = tmp_path_factory.mktemp("release")
    generate_release(out, db_url=f"sqlite:///{out / 'gradebook.db'}", log=lambda *_: None)
    return out


@pytest.mark.parametrize("stage", STAGES)
def test_release_is_not_stale(fresh_release, stage):
    committed = RELEASE / stage / f"{stage}.ipynb"
    regenerated = fresh_release / stage / f"{stage}.ipynb"
    assert comparable(committed) == comparable(regenerated), (
        f"course/{stage} is not what nbgrader generates from solutions/{stage} now: run `make release` and commit.")


def solution_lines(stage):
    """Substantial lines inside the solution regions of the source notebook."""
    nb = nbformat.read(SOURCE / stage / f"{stage}.ipynb", 4)
    lines = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution"):
            inside = False
            for line in cell.source.splitlines():
                if "### BEGIN SOLUTION" in line:
                    inside = True
                elif "### END SOLUTION" in line:
                    inside = False
                elif inside and len(line.strip()) > 25:
                    lines.append(line.strip())
        if cell.cell_type == "markdown" and meta.get("solution") and meta.get("grade"):
            lines.extend(s.strip() for s in re.split(r"(?<=[.!?])\s+", cell.source) if len(s.strip()) > 40)
    return lines


def public_text(stage):
    """What the source notebook shows on purpose outside solution regions (hints in markdown)."""
    nb = nbformat.read(SOURCE / stage / f"{stage}.ipynb", 4)
    return "\n".join(cell.source for cell in nb.cells if not cell.metadata.get("nbgrader", {}).get("solution"))


@pytest.mark.parametrize("stage", STAGES)
def test_release_gives_nothing_away(stage):
    path = RELEASE / stage / f"{stage}.ipynb"
    text = path.read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS",
                   "utils.instructor", "from utils import instructor", "utils.recording", "record("):
        assert marker not in text, f"course/{stage} contains {marker!r}"
    nb = nbformat.read(path, 4)
    sources = "\n".join(cell.source for cell in nb.cells)
    leaked = [line for line in solution_lines(stage) if line in sources and line not in public_text(stage)]
    assert not leaked, f"course/{stage} contains solution text: {leaked[:3]}"
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"), \
        f"course/{stage} ships cell outputs"
    stubs = [cell for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("solution")
             and cell.cell_type == "code"]
    assert stubs and all("raise NotImplementedError()" in cell.source for cell in stubs)


@pytest.mark.parametrize("stage", STAGES)
def test_contract_grade_ids(stage):
    """Each graded function alone in a cell named after it; its tests start with test_<function>."""
    nb = nbformat.read(SOURCE / stage / f"{stage}.ipynb", 4)
    solutions, tests = [], []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution"):
            defined = re.findall(r"^def (\w+)\(", cell.source, flags=re.M)
            assert defined == [meta["grade_id"]], (
                f"{stage}: solution cell {meta['grade_id']!r} must define exactly that function, found {defined}")
            solutions.append(meta["grade_id"])
        elif cell.cell_type == "code" and meta.get("grade"):
            tests.append(meta["grade_id"])
    assert solutions
    for function in solutions:
        assert any(t.startswith(f"test_{function}") for t in tests), f"{stage}: no test cell for {function}"
    for t in tests:
        assert any(t.startswith(f"test_{f}") for f in solutions), f"{stage}: test {t} names no graded function"
