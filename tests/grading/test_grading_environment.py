"""An environment problem is never a student's zero, and a copied course folder grades with its own code (issue 18).

The scenario instructors meet at the start of a term: last term's course folder is
copied, ``.venv`` and all. That ``.venv`` was installed (editable) from the old
folder, so Python finds ``utils`` there unless told otherwise. Grading in the copy
must use the copy's own code; where a sandboxed kernel cannot import it, grading
refuses with the real cause instead of grading notebooks 0.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from utils.instructor.paths import ROOT, SOURCE

STAGE = "01_vanilla_gradients"
NBGRADER = Path(sys.executable).parent / "nbgrader"  # the console script: no current folder on sys.path


def copy_course(target: Path) -> Path:
    """The course folder as an instructor copies it for a new term (its .venv stays the old folder's)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("utils", "data", "course", "solutions"):
        shutil.copytree(ROOT / name, target / name, ignore=ignore)
    shutil.copy(ROOT / "nbgrader_config.py", target / "nbgrader_config.py")
    return target


def nbgrader(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(NBGRADER), *args], cwd=folder, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})


def auto_scores(folder: Path, student: str) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(STAGE, STAGE, student)
        return {grade.name: grade.auto_score for grade in notebook.grades if grade.name.startswith("test_")}


@pytest.fixture(scope="module")
def copied(tmp_path_factory):
    folder = copy_course(tmp_path_factory.mktemp("new_term") / "course_copy")
    generated = nbgrader(folder, "generate_assignment", STAGE, "--force")
    assert generated.returncode == 0, generated.stderr[-3000:]
    hand_in = folder / "submitted" / "alice" / STAGE
    hand_in.mkdir(parents=True)
    nbformat.write(nbformat.read(SOURCE / STAGE / f"{STAGE}.ipynb", 4), str(hand_in / f"{STAGE}.ipynb"))
    return folder


def test_the_old_venv_would_import_the_old_folder(copied):
    """The premise: without the course's own path, this .venv finds utils in the folder it was installed from."""
    where = subprocess.run([sys.executable, "-c", "import utils; print(utils.__file__)"], cwd="/",
                           capture_output=True, text=True, env={**os.environ, "PYTHONPATH": ""})
    assert where.returncode == 0 and str(copied) not in where.stdout


def test_plain_nbgrader_autograde_in_a_copied_folder_grades_with_the_copys_code(copied):
    """``nbgrader autograde`` (as nbgrader_config.py advertises) in the copy: full marks for the solution."""
    from utils.recording._cases import hidden_test

    done = nbgrader(copied, "autograde", STAGE, "--student", "alice", "--force")
    assert done.returncode == 0, done.stderr[-3000:]
    scores = auto_scores(copied, "alice")
    assert scores and all(score == hidden_points for score, hidden_points in
                          zip(scores.values(), _points(copied).values())), (scores, _points(copied))
    assert all(hidden_test(grade_id) for grade_id in scores)


def _points(folder: Path) -> dict:
    nb = nbformat.read(folder / "solutions" / STAGE / f"{STAGE}.ipynb", 4)
    return {c.metadata["nbgrader"]["grade_id"]: float(c.metadata["nbgrader"]["points"]) for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade") and c.metadata["nbgrader"]["grade_id"].startswith("test_")}


@pytest.fixture
def unreadable_utils(copied):
    """The copy's utils unreadable for the sandbox's user (what a wrong permission or mount does)."""
    if os.geteuid() != 0:
        pytest.skip("needs root: as root the sandbox runs as another uid, which mode 0700 keeps out")
    os.chmod(copied / "utils", 0o700)
    yield copied
    os.chmod(copied / "utils", 0o755)


def test_plain_nbgrader_autograde_refuses_instead_of_giving_zeros(unreadable_utils):
    """The kernel cannot import utils: nbgrader grades nothing (no automatic score at all), and says why."""
    before = auto_scores(unreadable_utils, "bob") if (unreadable_utils / "gradebook.db").exists() and \
        _has_submission(unreadable_utils, "bob") else None
    assert before is None
    hand_in = unreadable_utils / "submitted" / "bob" / STAGE
    hand_in.mkdir(parents=True)
    nbformat.write(nbformat.read(SOURCE / STAGE / f"{STAGE}.ipynb", 4), str(hand_in / f"{STAGE}.ipynb"))
    done = nbgrader(unreadable_utils, "autograde", STAGE, "--student", "bob", "--force")
    log = done.stdout + done.stderr
    assert done.returncode != 0
    assert "cannot import the course's utils" in log and "make install" in log, log[-3000:]
    assert all(score is None for score in auto_scores(unreadable_utils, "bob").values())
    assert not (unreadable_utils / "autograded" / "bob" / STAGE / f"{STAGE}.ipynb").exists()


def _has_submission(folder: Path, student: str) -> bool:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}") as gradebook:
        try:
            gradebook.find_submission(STAGE, student)
            return True
        except MissingEntry:
            return False


def test_make_autograde_refuses_with_the_real_cause_not_a_bubblewrap_hint(unreadable_utils):
    """``python -m utils.instructor autograde`` checks the sandbox's import before the first notebook."""
    if not shutil.which("bwrap"):
        pytest.fail("bubblewrap is not installed: apt-get install bubblewrap (.ci/run installs it)")
    done = subprocess.run([sys.executable, "-m", "utils.instructor", "autograde"], cwd=unreadable_utils,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    assert "cannot import the course's utils" in done.stderr and str(unreadable_utils) in done.stderr
    assert "Install bubblewrap" not in done.stderr
