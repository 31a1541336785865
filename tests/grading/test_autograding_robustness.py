"""The grader survives a hostile class: real nbgrader runs, with the project's configuration.

One sample class (``make demo-class``: one submission of each kind, all of stage 01)
is collected and autograded once per session in a scratch workspace (``graded_class``,
conftest.py); the tests read what came out. The expected score of each kind is written
down in utils/instructor/tools/demo_class/ from the points of the test cells it should pass,
so these tests check the grader, not the other way round.
"""

from __future__ import annotations

import csv
import html as htmllib
import re
import sys
import tarfile

import psutil
import pytest

from utils.instructor.grading.host.autograde import autograde_all
from utils.instructor.prepare.bundle import build_student_bundle
from utils.instructor.tools.demo_class import KINDS, STAGE, make_submission
from utils.instructor.results.feedback import generate_feedback
from utils.instructor.results.grades import export_grades
from utils.instructor.paths import ROOT
from utils.instructor.grading.worker.sandbox import SANDBOX_UIDS

from tests.graded_demo_class import TIMEOUT, fingerprint, repository_files, student_of

@pytest.mark.parametrize("kind", [k.name for k in KINDS])
def test_every_sample_submission_is_valid_python(kind, tmp_path):
    """A submission meant to earn marks must at least parse (a broken attack would prove nothing)."""
    import ast

    import nbformat

    make_submission(kind, tmp_path, tmp_path / "course")
    for path in tmp_path.glob("*.ipynb"):
        try:
            nb = nbformat.read(str(path), 4)
        except Exception:  # noqa: BLE001 (the unreadable kinds are unreadable on purpose)
            assert kind in ("invalid_json", "wrong_nbformat")
            continue
        for cell in nb.cells:
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade_id") == "vanilla_gradients":
                ast.parse(cell.source)


@pytest.mark.parametrize("kind", [k.name for k in KINDS])
def test_each_kind_of_submission_gets_its_expected_score(graded_class, kind):
    """Cases 1, 3, 4, 5, 7, 8, 9, 11, 12: the stub scores 0, the solution full marks,
    and each hostile or mistaken submission exactly the marks it earned."""
    student = student_of(kind)
    got = float(graded_class["scores"][student][STAGE])
    want = float(graded_class["expected"][student][STAGE])
    assert got == want, f"{kind}: scored {got}, expected {want} ({graded_class['expected'][student]['how']})"


def test_no_submission_changed_another_students_files_or_the_course_code(graded_class):
    """The attacks on classmates' notebooks, the gradebook, grades and the code all met read-only walls."""
    before, after = graded_class["submitted"]
    assert before == after
    before, after = graded_class["code"]
    assert before == after
    assert not (ROOT / "pwned.txt").exists()


def test_no_manual_score_was_written_and_no_daemon_edits_the_grades(graded_class):
    from nbgrader.api import Gradebook

    course = graded_class["course"]
    with Gradebook(course.db_url) as gradebook:
        for student in gradebook.students:
            for submission in gradebook.student_submissions(student.id):
                for notebook in submission.notebooks:
                    assert all(grade.manual_score is None for grade in notebook.grades), student.id
    assert "pwned" not in course.grades_csv.read_text()


def test_after_grading_no_process_of_the_class_remains(graded_class):
    survivors = [p.info for p in psutil.process_iter(["pid", "uids", "cmdline"])
                 if p.info["uids"] and p.info["uids"].real in SANDBOX_UIDS]
    assert not survivors, survivors


def test_every_notebook_was_graded_in_the_sandbox(graded_class):
    graded = [r for r in graded_class["results"] if r.ok]
    assert graded and all(r.report.sandbox is True for r in graded)
    with open(graded_class["course"].grades_csv) as handle:
        rows = [row for row in csv.DictReader(handle) if row["student_id"] != "(max)"]
    assert all("WITHOUT sandbox" not in row[f"{STAGE} status"] for row in rows)
    assert any(row[f"{STAGE} status"] == "graded" for row in rows)


def test_the_solution_earns_every_automatic_point_and_the_stub_none(graded_class):
    maximum_auto = float(graded_class["expected"][student_of("correct")][STAGE])
    assert maximum_auto > 0
    assert float(graded_class["scores"][student_of("stub")][STAGE]) == 0.0


def test_every_student_has_a_row_even_when_nothing_could_be_graded(graded_class):
    assert set(graded_class["scores"]) - {"(max)"} == set(graded_class["expected"])


def test_unreadable_notebooks_are_reported_by_student_and_reason(graded_class):
    """Case 6: invalid JSON and a wrong nbformat get a clear message; the batch goes on."""
    problems = {student: reason for student, _, reason in graded_class["report"].problems}
    assert "not JSON" in problems[student_of("invalid_json")] or "JSON" in problems[student_of("invalid_json")]
    assert "nbformat" in problems[student_of("wrong_nbformat")]
    graded = {r.student for r in graded_class["results"] if r.ok}
    assert student_of("correct") in graded and len(graded) >= len(KINDS) - 2
    status = graded_class["scores"][student_of("wrong_nbformat")][f"{STAGE} status"]
    assert status.startswith("not submitted, but a file that could not be read was handed in") and "nbformat" in status


def test_edited_and_deleted_test_cells_are_noticed(graded_class):
    """Case 5: the collect report names the read-only cells a student changed (they are restored when grading)."""
    edited = graded_class["report"].edited
    for kind in ("deleted_tests", "edited_tests"):
        assert any(cell.startswith("test_vanilla_gradients") for cell in edited[(student_of(kind), STAGE)])
    assert (student_of("correct"), STAGE) not in edited


def test_a_renamed_file_is_recognised_by_its_content(graded_class):
    assert graded_class["report"].collected[(student_of("correct_renamed"), STAGE)] == "my homework FINAL (2).ipynb"


def test_the_later_submission_replaces_the_earlier(graded_class):
    """Case 11: only the second try is kept; nothing of the first survives in submitted/."""
    course = graded_class["course"]
    student = student_of("resubmitted")
    assert graded_class["report"].collected[(student, STAGE)] == "second try.ipynb"
    kept = list((course.submitted / student).rglob("*.ipynb"))
    assert kept == [course.submitted / student / STAGE / f"{STAGE}.ipynb"]
    assert "raise NotImplementedError" not in kept[0].read_text().split('"grade_id": "vanilla_gradients"')[0][-2000:]


def test_a_dead_kernel_is_reported_in_the_graded_notebook(graded_class):
    """Case 4: the fatal cell carries an explanation; the cells before it kept their marks."""
    course = graded_class["course"]
    for kind in ("kills_kernel_on_mnist", "sigkill_on_mnist"):
        text = (course.autograded / student_of(kind) / STAGE / f"{STAGE}.ipynb").read_text()
        assert "kernel died" in text, f"{kind}: no explanation of the dead kernel in the graded notebook"
        assert "kernel_deaths" in graded_class["course"].grading_status.read_text()


def test_an_endless_loop_is_interrupted_and_the_rest_graded(graded_class):
    """Case 3."""
    course = graded_class["course"]
    text = (course.autograded / student_of("infinite_loop_after_def") / STAGE / f"{STAGE}.ipynb").read_text()
    assert "CellTimeoutError" in text or "KeyboardInterrupt" in text or "timed out" in text.lower()


def test_grading_twice_gives_identical_scores(graded_class):
    """Case 10: seeds and eval mode make grading deterministic."""
    course = graded_class["course"]
    students = [student_of("correct"), student_of("no_eval"), student_of("softmax")]
    for student in students:
        autograde_all(course, only_student=student, extra_args=(TIMEOUT,), force=True, log=lambda *_: None)
    regraded = export_grades(course, course.root / "regraded.csv", log=lambda *_: None)
    with open(regraded) as handle:
        again = {row["student_id"]: row for row in csv.DictReader(handle)}
    for student in students:
        assert again[student][STAGE] == graded_class["scores"][student][STAGE], student


# What only the hidden test cells, the solutions and the instructor's code contain. A student's own cell may
# import utils.recording (the forger does), so the recorder's name alone is not a leak; the hidden cells' lines are.
HIDDEN_CODE = re.compile(r"BEGIN HIDDEN TESTS|END HIDDEN TESTS|BEGIN SOLUTION|from utils\.recording import record\b|"
                         r"record\(\"test_|The answer key|relative_error|allow_pickle")


def _page_text(html: str) -> str:
    """The page as a reader sees it: syntax highlighting splits code into spans, so tags are dropped."""
    return htmllib.unescape(re.sub(r"<[^>]+>", "", html))


def test_feedback_shows_results_but_no_hidden_test(graded_class):
    """Case 13 (feedback): each test's result and message, never the hidden tests' code."""
    course = graded_class["course"]
    made = generate_feedback(course, log=lambda *_: None)
    assert made, "no feedback was written"
    for page in made:
        leak = HIDDEN_CODE.search(_page_text(page.read_text()))
        assert not leak, f"{page} shows hidden test code: {leak.group(0)!r}"
    softmax_page = course.feedback / student_of("softmax") / STAGE / f"{STAGE}.html"
    html = softmax_page.read_text()
    assert "test_vanilla_gradients_hidden_imagenet" in html
    assert "a photo you have not seen" in html, "the feedback should carry the hidden test's message"


ANSWER_KEY_IMPORT = re.compile(r"^\s*(from\s+utils(\.instructor|\s+import\s+instructor)|import\s+utils\.instructor)",
                               re.MULTILINE)


def test_the_student_bundle_holds_no_answer_key(tmp_path):
    """Case 13 (bundle): course, data and student utils only; nothing imports the answer key."""
    archive = build_student_bundle(tmp_path, log=lambda *_: None)
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        texts = {m.name: tar.extractfile(m).read().decode("utf-8", "replace")
                 for m in tar.getmembers() if m.isfile() and m.name.endswith((".py", ".ipynb", ".md", ".toml"))}
    parts = {part for name in names for part in name.split("/")}
    assert not parts & {"reference", "grading", "solutions", "instructor", "tests", "gradebook.db"}
    assert any(name.endswith("course/01_vanilla_gradients/01_vanilla_gradients.ipynb") for name in names)
    assert any(name.endswith("utils/checks/__init__.py") for name in names)
    for name, text in texts.items():
        assert "BEGIN HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text, name
        assert not ANSWER_KEY_IMPORT.search(text), f"{name} imports the answer key"


def test_the_student_bundle_tells_students_how_to_set_up_and_hand_in(tmp_path):
    archive = build_student_bundle(tmp_path, log=lambda *_: None)
    with tarfile.open(archive) as tar:
        readme = tar.extractfile("xai-course-student/README.md").read().decode()
        makefile = tar.extractfile("xai-course-student/Makefile").read().decode()
    for needed in ("make install", "make lab", "--index-url", "Windows", "nbconvert", "Hand in", "GB"):
        assert needed in readme, f"the student README does not mention {needed!r}"
    assert "install:" in makefile and 'pip install --quiet -e .\n' in makefile  # the students' packages only


def test_the_student_bundle_runs_without_the_answer_key(tmp_path):
    """The student-facing modules import from the unpacked bundle alone (no utils.instructor.reference next to them)."""
    import subprocess
    import sys

    archive = build_student_bundle(tmp_path, log=lambda *_: None)
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "unpacked", filter="data")
    (root,) = (tmp_path / "unpacked").iterdir()
    # The repository's own editable install would map `utils` back to this checkout: hide it,
    # as a student's machine has only the bundle.
    probe = ("import sys; sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f).lower()];"
             "import utils, utils.checks, utils.models, utils.data, utils.plotting, utils.explorer;"
             "import importlib.util as u; assert u.find_spec('utils.instructor') is None, 'the instructor package was found';"
             "outside = [m.__file__ for n, m in sys.modules.items() if n.startswith('utils') and "
             "not (m.__file__ or '').startswith(sys.argv[1])]; assert not outside, outside")
    done = subprocess.run([sys.executable, "-c", probe, str(root)], cwd=root, capture_output=True, text=True,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
