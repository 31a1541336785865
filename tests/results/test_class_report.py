"""The class report (``make report``): on the demo class graded for real, it finds what the demo class's
``expected_report.json`` says (written down with the demo's kinds, not computed by the report), its tests.csv
agrees with the gradebook, and the page opens offline in a real browser. Edge cases (no student, one student,
nothing graded yet) are built by hand."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from utils.instructor.results.class_report import build_class_report
from utils.instructor.tools.demo_class import STAGE, make_submission
from utils.instructor.results.grades import NOT_AUTOGRADED, ClassGrades, StageGrade, StudentGrades
from utils.instructor.record.notebook_report import NotebookReport
from utils.instructor.record.state import State
from utils.instructor.record.verdict import Verdict
from utils.instructor.paths import ROOT, Course
from utils.instructor.results.report_page import write_report

from tests.graded_demo_class import student_of

SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def class_report(graded_class):
    course = graded_class["course"]
    report = build_class_report(course)
    paths = write_report(report, course.reports)
    expected = json.loads((graded_class["submissions"] / "expected_report.json").read_text())
    return dict(course=course, report=report, paths=paths, expected=expected, stage=report.stages[0],
                mistakes=read_csv(paths[1]), tests=read_csv(paths[2]), similarity=read_csv(paths[3]))


def test_the_four_files_are_written_with_their_columns(class_report):
    html, mistakes, tests, similarity = class_report["paths"]
    assert html.name == "class_report.html" and html.stat().st_size > 0
    assert read_csv(mistakes) and list(read_csv(mistakes)[0]) == ["stage", "test", "mistake", "students", "share"]
    assert list(read_csv(tests)[0]) == ["stage", "test", "passed", "wrong", "stub", "error", "timed_out", "students"]
    assert list(read_csv(similarity)[0]) == ["stage", "student_a", "student_b", "similarity"]


def test_each_demo_mistake_is_counted_for_exactly_the_students_who_made_it(class_report):
    named = {(m.test, m.mistake): sorted(m.students) for m in class_report["stage"].mistakes}
    rows = {(r["test"], r["mistake"]): r for r in class_report["mistakes"]}
    judged = {t.test: t.students for t in class_report["stage"].tests}
    assert class_report["expected"]["mistakes"], "the demo class should make classic mistakes"
    for wanted in class_report["expected"]["mistakes"]:
        key = (wanted["test"], wanted["mistake"])
        assert named.get(key) == wanted["students"], key
        assert int(rows[key]["students"]) == len(wanted["students"])
        assert float(rows[key]["share"]) == pytest.approx(len(wanted["students"]) / judged[wanted["test"]], abs=1e-4)
    # Two students made the same mistake in every test (two others made one in fewer tests): it heads the list.
    stage, made, who, cause = class_report["report"].top_mistakes[0]
    assert (stage, made) == (STAGE, "probability") and who == [student_of("softmax"), student_of("softmax_again")]
    assert "softmax" in cause


def test_tests_csv_agrees_with_the_gradebook(class_report):
    from nbgrader.api import Gradebook

    course, stage = class_report["course"], class_report["stage"]
    full, judged = {}, {}
    with Gradebook(course.db_url) as gradebook:
        for student in stage.scores:
            notebook = gradebook.find_submission_notebook(STAGE, STAGE, student)
            for grade in notebook.grades:
                if grade.name.startswith("test_"):
                    judged[grade.name] = judged.get(grade.name, 0) + 1
                    full[grade.name] = full.get(grade.name, 0) + (grade.auto_score == grade.max_score)
    rows = {r["test"]: r for r in class_report["tests"] if r["stage"] == STAGE}
    assert set(rows) == set(judged)
    assert {r["students"] for r in class_report["tests"] if r["stage"] != STAGE} == {"0"}, "no other stage handed in"
    for test, row in rows.items():
        assert int(row["passed"]) == full[test], test
        assert int(row["students"]) == judged[test], test
        counted = sum(int(row[c]) for c in ("passed", "wrong", "stub", "error", "timed_out"))
        assert counted == int(row["students"]), f"{test}: every judged student is in exactly one column"
    stub = student_of("stub")
    assert all(v.outcome == "stub" for v in _verdicts(course, stub)), "the untouched release is a stub everywhere"


def _verdicts(course: Course, student: str) -> list[Verdict]:
    from utils.instructor.gradebook.grading_status import load_status

    return list(load_status(course)[student][STAGE].report.verdicts)


def test_the_renamed_copy_and_its_source_are_the_top_pair(class_report):
    expected, rows = class_report["expected"], class_report["similarity"]
    assert rows, "the renamed copy should be listed"
    assert sorted((rows[0]["student_a"], rows[0]["student_b"])) == expected["copied"]
    assert float(rows[0]["similarity"]) >= class_report["report"].threshold
    similarities = [float(r["similarity"]) for r in rows]
    assert similarities == sorted(similarities, reverse=True)
    listed = {tuple(sorted((r["student_a"], r["student_b"]))) for r in rows}
    for pair in expected["independent"]:
        assert tuple(pair) not in listed, f"independent solutions {pair} should stay below the threshold"
    for student in expected["alone"]:
        assert not any(student in pair for pair in listed), f"{student} handed in the stub: similar to no one"


def test_notebooks_that_could_not_be_graded_are_listed_with_the_reason(class_report):
    ungraded = {u.student: u.status for u in class_report["stage"].ungraded + class_report["report"].unreadable}
    for student in class_report["expected"]["not_graded"]:
        assert student in ungraded and ungraded[student], student
    assert "could not be read" in ungraded[student_of("invalid_json")]


def test_a_forged_record_never_becomes_a_passed_verdict(class_report):
    """The verdicts are the judge's: a kernel that writes made-up records or attacks the grader gains nothing."""
    for kind in ("forges_records", "odd_result", "walks_the_stack", "quiet_answer_key"):
        verdicts = _verdicts(class_report["course"], student_of(kind))
        assert verdicts and not any(v.passed for v in verdicts), kind


def test_the_judge_writes_the_verdicts_after_the_kernel_is_gone():
    """JudgeRecords (instructor's process) decides from the records alone: what a kernel displays in a test cell,
    a made-up verdict included, is replaced, and the report carries the judge's own verdict."""
    from utils.instructor.judge.preprocessor import JudgeRecords

    nb = nbformat.read(ROOT / "solutions" / STAGE / f"{STAGE}.ipynb", 4)
    forged = {"output_type": "display_data", "metadata": {},
              "data": {"application/json": {"verdicts": [{"grade_id": "test_vanilla_gradients_form",
                                                          "outcome": "passed"}]}}}
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id", "").startswith("test_"):
            cell.outputs = [nbformat.from_dict(forged)]
    resources = {"nbgrader": {"assignment": STAGE}, "grading_report": NotebookReport(sandbox=True)}
    nb, resources = JudgeRecords().preprocess(nb, resources)
    verdicts = resources["grading_report"].verdicts
    assert verdicts and {v.outcome for v in verdicts} == {"missing_record"}
    assert all("verdicts" not in json.dumps(c.get("outputs", [])) for c in nb.cells if c.cell_type == "code"
               and c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("test_"))


# --- edge cases, built by hand -------------------------------------------------------------------

def _grades(*students: StudentGrades) -> ClassGrades:
    return ClassGrades([STAGE], {STAGE: 6.0}, {STAGE: 0.0}, list(students))


def test_an_empty_class_says_that_no_student_is_in_the_gradebook(tmp_path):
    course = Course.scratch(tmp_path / "course")
    report = build_class_report(course, grades=_grades())
    assert any("No student" in sentence for sentence in report.missing)
    paths = write_report(report, course.reports)
    assert "No student" in paths[0].read_text()
    assert read_csv(paths[1]) == [] and read_csv(paths[3]) == []
    assert {row["students"] for row in read_csv(paths[2])} == {"0"}, "each test is listed, judged for no one"


def test_a_class_with_notebooks_not_graded_yet_says_so(tmp_path):
    course = Course.scratch(tmp_path / "course")
    for kind in ("correct", "stub"):
        make_submission(kind, course.submitted / kind / STAGE)
    waiting = [StudentGrades(kind, stages={STAGE: StageGrade(0.0, NOT_AUTOGRADED)}) for kind in ("correct", "stub")]
    report = build_class_report(course, grades=_grades(*waiting))
    assert any("2 notebook(s) are handed in but not autograded yet" in s for s in report.missing)
    assert any("No notebook is graded yet" in s for s in report.missing)
    assert [u.student for u in report.stages[0].ungraded] == ["correct", "stub"]
    assert report.ranked == [] and report.top_mistakes == []
    write_report(report, course.reports)  # writes, with nothing graded


def test_a_class_of_one_student_has_no_one_to_compare_with(tmp_path):
    course = Course.scratch(tmp_path / "course")
    make_submission("softmax", course.submitted / "ada" / STAGE)
    course.grading_status.write_text(json.dumps({"ada": {STAGE: {"ok": True, **NotebookReport(
        sandbox=True, verdicts=(Verdict("test_vanilla_gradients_form", "wrong", "probability", "softmax"),)
    ).as_status()}}}))
    report = build_class_report(course, grades=_grades(
        StudentGrades("ada", "Ada", "Lovelace", stages={STAGE: StageGrade(2.0, State.GRADED)})), names=True)
    assert any("Only one student" in sentence for sentence in report.missing)
    stage = report.stages[0]
    assert stage.pairs == [] and stage.compared == 1
    assert [(m.test, m.mistake, m.students) for m in stage.mistakes] == [
        ("test_vanilla_gradients_form", "probability", ("ada",))]
    assert report.names["ada"] == "Ada Lovelace"
    html = write_report(report, course.reports, names=True)[0].read_text()
    assert "Ada Lovelace" in html and stage.mean_share == pytest.approx(2 / 6)


# --- the page in a real browser ------------------------------------------------------------------

@pytest.mark.skipif(CHROMIUM is None, reason="no system Chromium: install it with `apt-get install chromium "
                                             "chromium-driver` (as root) to run the browser test")
def test_the_page_opens_offline_with_its_images_shown(class_report):
    from playwright.sync_api import sync_playwright

    html = class_report["paths"][0]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-dev-shm-usage"])
        page = browser.new_page(viewport={"width": 1200, "height": 1400})
        requests = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(html.as_uri())
        page.wait_for_load_state("load")
        images = page.eval_on_selector_all("img", "images => images.map(i => [i.complete, i.naturalWidth])")
        assert images and all(complete and width > 0 for complete, width in images), images
        assert [url for url in requests if not url.startswith(("file:", "data:"))] == []
        assert page.locator("text=never a penalty").count() >= 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "class_report.png"))
        browser.close()
