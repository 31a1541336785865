"""The student release in course/ is exactly what nbgrader makes from solutions/
now (drift), and it gives nothing away (leak)."""

import json
import re

import nbformat
import pytest

from utils.instructor.paths import RELEASE, SOURCE, stages
from utils.instructor.prepare.release import generate_release

STAGES = stages()
VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled")


def comparable(path):
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        for key in VOLATILE_CELL_METADATA:
            cell["metadata"].pop(key, None)
    return nb


def test_every_stage_is_released():
    assert len(STAGES) == 9, f"expected the nine stages in solutions/, found {STAGES}"
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


# --- No stage shows another stage's answer (issue 10) --------------------------------------------------

#: Lines every stage writes the same way: they decide nothing (also any line of at most 20 characters).
TRIVIAL_LINE = re.compile(r"^(return \w+|model\.eval\(\)|model\.train\(\w+\)|with torch\.no_grad\(\):|try:|finally:|"
                          r"else:|pass|raise NotImplementedError\(\)|[\]\)\}]+)$")


def _normalised(text: str) -> str:
    return " ".join(text.split())


def _top_level_parts(line: str) -> list[str]:
    """``line`` split at the commas that are not inside brackets or strings."""
    parts, depth, quote, current = [], 0, None, ""
    for char in line:
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth <= 0:
            parts.append(current)
            current = ""
            continue
        current += char
    return parts + [current]


def decisive_fragments(line: str) -> list[str]:
    """The arguments of a solution line that carry a choice: a number, an operator or a string (n_steps=steps + 1)."""
    fragments = []
    for part in _top_level_parts(line):
        part = part.strip().strip("()").strip()
        if len(part) >= 12 and re.search(r"[\d+*/\"']|\s-\s", part):
            fragments.append(part)
    return fragments


def decisive_lines(stage: str) -> list[str]:
    """The non-trivial lines inside the ``### BEGIN SOLUTION`` blocks of ``stage``'s graded functions."""
    nb = nbformat.read(SOURCE / stage / f"{stage}.ipynb", 4)
    lines = []
    for cell in nb.cells:
        if cell.cell_type != "code" or not cell.metadata.get("nbgrader", {}).get("solution"):
            continue
        inside = False
        for raw in cell.source.splitlines():
            if "### BEGIN SOLUTION" in raw or "### END SOLUTION" in raw:
                inside = "BEGIN" in raw
                continue
            line = _normalised(raw)
            if inside and len(line) > 20 and not line.startswith("#") and not TRIVIAL_LINE.match(line):
                lines.append(line)
    return lines


@pytest.fixture(scope="module")
def answers():
    """{stage: its decisive solution lines}. A line that three or more stages' solutions share is boilerplate."""
    by_stage = {stage: decisive_lines(stage) for stage in STAGES}
    shared = {line for line in {line for lines in by_stage.values() for line in lines}
              if sum(line in lines for lines in by_stage.values()) >= 3}
    return {stage: [line for line in lines if line not in shared] for stage, lines in by_stage.items()}


def test_the_answer_finder_sees_a_configured_captum_ig_in_a_later_line_layout():
    """The motivating case: stage 05's answer written over two lines with other names, in another stage."""
    solution = 'x, baselines=baseline, target=target_class, n_steps=steps + 1, method="riemann_trapezoid")'
    shown = ('return ig.attribute(x, baselines=baseline, target=target, n_steps=steps + 1,\n'
             '                    method="riemann_trapezoid") * (steps + 1) / steps')
    fragments = decisive_fragments(solution)
    assert fragments == ["n_steps=steps + 1", 'method="riemann_trapezoid"']
    assert all(f in _normalised(shown) for f in fragments)


@pytest.mark.parametrize("stage", STAGES)
def test_no_stage_shows_another_stages_answer(stage, answers):
    """Every graded function's decisive lines (or two of a line's decisive arguments) in no other stage's release."""
    nb = nbformat.read(RELEASE / stage / f"{stage}.ipynb", 4)
    cells = [_normalised(cell.source) for cell in nb.cells]
    found = []
    own = set(answers[stage])  # a step this stage's own exercise also takes is governed by its own hints
    for other, lines in answers.items():
        if other == stage:
            continue
        for line in (line for line in lines if line not in own):
            fragments = decisive_fragments(line)
            for cell in cells:
                if line in cell or (len(fragments) >= 2 and all(f in cell for f in fragments)):
                    found.append(f"{other}: {line}")
                    break
    assert not found, f"course/{stage} shows the answers of other stages' graded functions: {found[:5]}"


@pytest.mark.parametrize("stage", STAGES)
def test_every_cell_whose_output_nbval_checks_has_a_stored_output(stage):
    """An nbval-check-output cell without stored output compares nothing: its conclusions would go unchecked.
    (python -m utils.instructor.prepare.checked_outputs NOTEBOOK stores them.)"""
    from utils.instructor.prepare.checked_outputs import is_checked

    nb = nbformat.read(str(SOURCE / stage / f"{stage}.ipynb"), as_version=4)
    empty = [i for i, cell in enumerate(nb.cells)
             if is_checked(cell) and not "".join(o.get("text", "") for o in cell.get("outputs", [])).strip()]
    assert not empty, f"{stage}: cells {empty} are tagged nbval-check-output but hold no stored output"
