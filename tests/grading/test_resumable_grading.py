"""An interrupted autograde loses nothing, and a re-run grades only what is new or changed (real nbgrader runs)."""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

from utils.instructor.grading.host.autograde import autograde_all, load_status
from utils.instructor.grading.worker.grading_task import WORKSPACE_PREFIX
from utils.instructor.paths import RELEASE, SOURCE, Course

STAGE = "04_baselines"


def hand_in(course: Course, student: str, nb) -> None:
    folder = course.submitted / student / STAGE
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(folder / f"{STAGE}.ipynb"))


def score(course: Course, student: str) -> float:
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gradebook:
        return gradebook.find_submission(STAGE, student).score


def executed(course: Course, student: str) -> bool:
    nb = nbformat.read(str(course.autograded / student / STAGE / f"{STAGE}.ipynb"), 4)
    return any(cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")


def grading_now(student: str) -> list:
    """The notebook a Dask worker has taken into its own workspace to grade for ``student``."""
    return list(Path(tempfile.gettempdir()).glob(f"{WORKSPACE_PREFIX}*/submitted/{student}/*/*.ipynb"))


def slow(nb, seconds: int = 12):
    """``nb`` with a last cell that takes ``seconds``: a kill 3 s after a worker took the notebook lands inside it
    however fast the grader is (kernels started ahead, a writer that records in milliseconds); the resumed run
    grades it again, so every second here counts twice in the suite's time."""
    nb.cells.append(nbformat.v4.new_code_cell(f"import time\ntime.sleep({seconds})"))
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = Course.scratch(tmp_path_factory.mktemp("resumable") / "course")
    hand_in(course, "alice", nbformat.read(SOURCE / STAGE / f"{STAGE}.ipynb", 4))
    hand_in(course, "bob", nbformat.read(RELEASE / STAGE / f"{STAGE}.ipynb", 4))
    results = autograde_all(course, log=print)
    assert sorted(r.student for r in results if r.ok) == ["alice", "bob"]
    return course


def test_a_second_run_skips_what_is_already_graded(course):
    before = {s: score(course, s) for s in ("alice", "bob")}
    assert before["alice"] > 0 and before["bob"] == 0
    assert autograde_all(course, log=print) == []
    assert {s: score(course, s) for s in ("alice", "bob")} == before


def test_a_changed_submission_is_graded_again_and_only_it(course):
    hand_in(course, "bob", nbformat.read(SOURCE / STAGE / f"{STAGE}.ipynb", 4))
    results = autograde_all(course, log=print)
    assert [r.student for r in results] == ["bob"]
    assert score(course, "bob") == score(course, "alice") > 0


def test_force_grades_everything_again(course):
    assert sorted(r.student for r in autograde_all(course, force=True, log=print)) == ["alice", "bob"]


def test_an_interrupted_run_leaves_the_graded_notebook_and_the_score_intact(course):
    """Kill autograde in the middle of a notebook: the earlier graded notebook, its score and status survive."""
    hand_in(course, "alice", slow(nbformat.read(RELEASE / STAGE / f"{STAGE}.ipynb", 4)))  # changed: graded again
    before_score, before_status = score(course, "alice"), load_status(course)["alice"][STAGE]
    code = ("import sys; from pathlib import Path; from utils.instructor.paths import Course; "
            "from utils.instructor.grading.host.autograde import autograde_all; "
            f"autograde_all(Course(Path({str(course.root)!r})), only_student='alice')")
    process = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    deadline = time.time() + 300
    while not grading_now("alice") and time.time() < deadline:
        time.sleep(0.5)  # a worker has taken alice's notebook
    assert grading_now("alice"), "alice's notebook was never being graded"
    time.sleep(3)
    import os

    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert executed(course, "alice"), "the graded notebook was replaced by an unexecuted copy"
    assert score(course, "alice") == before_score
    assert load_status(course)["alice"][STAGE] == before_status
    results = autograde_all(course, log=print)  # resume: the changed submission is graded now
    assert [r.student for r in results] == ["alice"] and score(course, "alice") == 0
    assert load_status(course)["alice"][STAGE].ok
