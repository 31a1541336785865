"""collect takes Canvas and Moodle downloads, maps them to students through a roster, and answers wrong usage clearly.

Sample downloads are written in tmp_path in the LMSs' real naming (see utils/instructor/intake/lms_names.py)
from the release notebooks in course/. Nothing here starts a kernel or autogrades.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from utils.instructor.__main__ import main
from utils.instructor.intake.collect import NothingToCollect, SubmissionsNotFound, collect
from utils.instructor.tools.demo_class import make_submission
from utils.instructor.intake.lms_names import CANVAS, MOODLE, parse_file_name, parse_folder_name
from utils.instructor.paths import RELEASE, ROOT, Course
from utils.instructor.intake.roster import RosterError, import_roster, read_roster

STAGE = "01_vanilla_gradients"
OTHER_STAGE = "02_gradient_x_input"
ROSTER = """id,first_name,last_name,email,lms_user_id
jsmith,Jane,Smith,jane.smith@uni.example,12345
bnguyen,Bao,Nguyen,bao.nguyen@uni.example,
alee,Ann,Lee,ann.lee@uni.example,
"""


def release(stage: str = STAGE, marker: str = ""):
    """The release notebook of ``stage``; ``marker`` is written into its answer cell to tell copies apart."""
    nb = nbformat.read(RELEASE / stage / f"{stage}.ipynb", 4)
    if marker:
        answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
        answer.source = f"# {marker}\n" + answer.source
    return nb


def write(nb, path: Path, mtime: float | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def kept_marker(course: Course, student: str, stage: str = STAGE) -> str:
    return (course.submitted / student / stage / f"{stage}.ipynb").read_text()


def students(course: Course) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gradebook:
        return {s.id: s for s in gradebook.students}


@pytest.fixture(scope="module")
def empty_gradebook(tmp_path_factory) -> Path:
    """One gradebook created once (nbgrader runs alembic for a new one, about 5 s), copied into each course."""
    from nbgrader.api import Gradebook

    path = tmp_path_factory.mktemp("gradebook") / "gradebook.db"
    with Gradebook(f"sqlite:///{path}"):
        pass
    return path


@pytest.fixture
def course(tmp_path, empty_gradebook) -> Course:
    course = Course.scratch(tmp_path / "course")
    shutil.copy(empty_gradebook, course.gradebook)
    return course


@pytest.fixture
def roster(tmp_path) -> Path:
    path = tmp_path / "students.csv"
    path.write_text(ROSTER)
    return path


def quiet(*_):
    pass


# --- the LMSs' names ---------------------------------------------------------------------------

def test_canvas_names_are_read_as_canvas_writes_them():
    on_time = parse_file_name("smithjane_12345_678901_01_vanilla_gradients.ipynb")
    assert (on_time.lms, on_time.who, on_time.lms_id, on_time.file_id, on_time.late) == (
        CANVAS, "smithjane", "12345", 678901, False)
    assert on_time.file == "01_vanilla_gradients.ipynb"
    late = parse_file_name("smithjane_late_12345_678901_2345678_01_vanilla_gradients.ipynb")
    assert (late.who, late.lms_id, late.late, late.file_id) == ("smithjane", "12345", True, 678901)
    assert late.file == "2345678_01_vanilla_gradients.ipynb"  # a further number stays in the file name
    again = parse_file_name("smithjane_12345_678950_01_vanilla_gradients-2.ipynb")
    assert again.copy == 2
    anonymous = parse_file_name("late_12345_678901_homework.ipynb")
    assert (anonymous.who, anonymous.lms_id, anonymous.late) == ("", "12345", True)
    assert parse_file_name("01_vanilla_gradients.ipynb") is None
    assert parse_file_name("my homework FINAL (2).ipynb") is None


def test_moodle_names_are_read_as_moodle_writes_them():
    folder = parse_folder_name("Jane Smith_1234567_assignsubmission_file_")
    assert (folder.lms, folder.who, folder.lms_id, folder.plugin) == (MOODLE, "Jane Smith", "1234567", "file")
    assert parse_folder_name("Jane Smith_1234567_assignsubmission_onlinetext_").plugin == "onlinetext"
    flat = parse_file_name("Jane Smith_1234567_assignsubmission_file_homework.ipynb")
    assert (flat.lms, flat.who, flat.lms_id, flat.file) == (MOODLE, "Jane Smith", "1234567", "homework.ipynb")
    assert parse_folder_name("jsmith") is None


# --- Canvas ------------------------------------------------------------------------------------

def test_a_canvas_download_is_mapped_to_roster_students_with_their_names(tmp_path, course, roster):
    download = tmp_path / "canvas"
    write(release(marker="first upload"), download / "smithjane_12345_678901_01_vanilla_gradients.ipynb")
    write(release(marker="second upload"), download / "smithjane_late_12345_678950_01_vanilla_gradients-1.ipynb",
          mtime=1_000_000)  # older on disk: Canvas's file id decides, not the mtime
    write(release(OTHER_STAGE), download / f"smithjane_12345_678903_{OTHER_STAGE}.ipynb")
    write(release(), download / "nguyenbao_22222_678902_homework.ipynb")
    (download / "smithjane_12345_678904_report.pdf").write_bytes(b"%PDF-1.4")

    report = collect(download, course, log=quiet, roster=roster)

    assert set(report.collected) == {("jsmith", STAGE), ("jsmith", OTHER_STAGE), ("bnguyen", STAGE)}
    assert report.matched["smithjane (Canvas user 12345)"] == ("jsmith", "Canvas user id")
    assert report.matched["nguyenbao (Canvas user 22222)"] == ("bnguyen", "name")
    assert "second upload" in kept_marker(course, "jsmith") and "first upload" not in kept_marker(course, "jsmith")
    why = report.kept[("jsmith", STAGE)]
    assert "kept smithjane_late_12345_678950_01_vanilla_gradients-1.ipynb" in why
    assert "not smithjane_12345_678901_01_vanilla_gradients.ipynb" in why and "Canvas file id" in why
    assert ("jsmith", STAGE) in report.late and ("bnguyen", STAGE) not in report.late
    assert report.ignored == ["smithjane_12345_678904_report.pdf"]
    summary = report.summary()
    assert f"KEPT jsmith {STAGE}: kept smithjane_late_" in summary and f"LATE jsmith {STAGE}" in summary
    known = students(course)
    assert (known["jsmith"].first_name, known["jsmith"].last_name, known["jsmith"].email) == (
        "Jane", "Smith", "jane.smith@uni.example")
    assert known["jsmith"].lms_user_id == "12345" and known["bnguyen"].last_name == "Nguyen"
    assert set(known) == {"jsmith", "bnguyen", "alee"}  # the roster's students, nobody else


def test_a_canvas_submitter_not_on_the_roster_is_reported_and_never_becomes_a_student(tmp_path, course, roster):
    download = tmp_path / "canvas"
    write(release(), download / "smithjane_12345_678901_01_vanilla_gradients.ipynb")
    write(release(), download / "strangerxavier_99999_678905_01_vanilla_gradients.ipynb")
    write(release(OTHER_STAGE), download / f"strangerxavier_99999_678906_{OTHER_STAGE}.ipynb")

    report = collect(download, course, log=quiet, roster=roster)

    assert set(report.collected) == {("jsmith", STAGE)}
    problems = [(who, reason) for who, _, reason in report.problems]
    assert len(problems) == 1  # one line per submitter, not per file
    who, reason = problems[0]
    assert who == "strangerxavier (Canvas user 99999)" and "not on the roster" in reason
    assert "lms_user_id" in reason
    assert set(students(course)) == {"jsmith", "bnguyen", "alee"}
    assert sorted(p.name for p in course.submitted.iterdir()) == ["jsmith"]


def test_a_canvas_download_without_a_roster_says_how_to_import_one(tmp_path, course):
    download = tmp_path / "canvas"
    write(release(), download / "smithjane_12345_678901_01_vanilla_gradients.ipynb")
    write(release(), download / "nguyenbao_22222_678902_01_vanilla_gradients.ipynb")

    report = collect(download, course, log=quiet)

    assert report.collected == {}
    assert [who for who, _, _ in report.problems] == ["nguyenbao (Canvas user 22222)", "smithjane (Canvas user 12345)"]
    reason = report.problems[0][2]
    assert "no roster" in reason and "python -m utils.instructor roster students.csv" in reason
    [line] = [line for line in report.summary().splitlines() if "PROBLEM" in line]  # one line for one reason
    assert "nguyenbao (Canvas user 22222), smithjane (Canvas user 12345): no roster" in line
    assert students(course) == {}


def test_a_name_two_students_share_is_not_guessed(tmp_path, course):
    twins = tmp_path / "twins.csv"
    twins.write_text("id,first_name,last_name\njsmith1,Jane,Smith\njsmith2,Jane,Smith\n")
    download = tmp_path / "canvas"
    write(release(), download / "smithjane_12345_678901_01_vanilla_gradients.ipynb")

    report = collect(download, course, log=quiet, roster=twins)

    assert report.collected == {}
    [(_, _, reason)] = report.problems
    assert "2 students with this name" in reason and "jsmith1, jsmith2" in reason and "12345" in reason


def test_the_whole_canvas_zip_can_be_passed_or_lie_in_the_folder(tmp_path, course, roster):
    archive = tmp_path / "course-homework submissions.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("smithjane_12345_678901_01_vanilla_gradients.ipynb", nbformat.writes(release()))
        zf.writestr("nguyenbao_22222_678902_hw.ipynb", nbformat.writes(release()))

    assert set(collect(archive, course, log=quiet, roster=roster).collected) == {("jsmith", STAGE), ("bnguyen", STAGE)}

    folder = tmp_path / "mixed"
    folder.mkdir()
    with zipfile.ZipFile(folder / "submissions.zip", "w") as zf:  # re-zipped by hand, inside a folder
        zf.writestr("submissions/smithjane_12345_678901_01_vanilla_gradients.ipynb", nbformat.writes(release()))
        zf.writestr("submissions/nguyenbao_22222_678902_hw.ipynb", nbformat.writes(release()))
    write(release(), folder / "alee" / "mine.ipynb")
    report = collect(folder, course, log=quiet)  # the roster imported above is in the gradebook now
    assert set(report.collected) == {("jsmith", STAGE), ("bnguyen", STAGE), ("alee", STAGE)}
    assert "submissions" not in students(course)


# --- Moodle ------------------------------------------------------------------------------------

def test_moodle_folders_are_mapped_by_name_or_participant_id(tmp_path, course):
    roster = tmp_path / "students.csv"
    roster.write_text(ROSTER.replace("bnguyen,Bao,Nguyen,bao.nguyen@uni.example,",
                                     "bnguyen,Bao,Nguyen,bao.nguyen@uni.example,7654321"))
    download = tmp_path / "moodle"
    write(release(), download / "Jane Smith_1234567_assignsubmission_file_" / "work" / "anything.ipynb")
    onlinetext = download / "Jane Smith_1234567_assignsubmission_onlinetext_" / "onlinetext.html"
    onlinetext.parent.mkdir(parents=True)
    onlinetext.write_text("<p>see the notebook</p>")
    write(release(), download / "Participant_7654321_assignsubmission_file_" / "hw.ipynb")  # blind marking
    write(release(OTHER_STAGE), download / f"Ann Lee_2222222_assignsubmission_file_{OTHER_STAGE}.ipynb")  # flat

    report = collect(download, course, log=quiet, roster=roster)

    assert set(report.collected) == {("jsmith", STAGE), ("bnguyen", STAGE), ("alee", OTHER_STAGE)}
    # Jane Smith's lms_user_id (12345) is not this participant id: Moodle numbers participants per
    # assignment, so her name still matches.
    assert report.matched["Jane Smith (Moodle participant 1234567)"] == ("jsmith", "name")
    assert report.matched["Participant (Moodle participant 7654321)"] == ("bnguyen", "Moodle participant id")
    assert report.matched["Ann Lee (Moodle participant 2222222)"] == ("alee", "name")
    assert "Jane Smith_1234567_assignsubmission_onlinetext_/" in report.ignored
    assert report.problems == []


def test_two_moodle_files_of_one_stage_keep_the_newer_and_say_it_was_by_modification_time(tmp_path, course, roster):
    folder = tmp_path / "moodle" / "Bao Nguyen_555_assignsubmission_file_"
    write(release(marker="draft"), folder / "draft.ipynb", mtime=1_700_000_000)
    write(release(marker="final"), folder / "final.ipynb", mtime=1_700_003_600)

    report = collect(folder.parent, course, log=quiet, roster=roster)

    assert "final" in kept_marker(course, "bnguyen") and "draft" not in kept_marker(course, "bnguyen")
    why = report.kept[("bnguyen", STAGE)]
    assert why.startswith("kept final.ipynb, not draft.ipynb") and "file modification time" in why


# --- the layouts that were there before --------------------------------------------------------

def test_attempt_names_keep_the_later_timestamp_whatever_the_file_times(tmp_path, course):
    download = tmp_path / "attempts"
    write(release(marker="late attempt"), download / f"hw_alice_attempt_2026-11-21-09-00-00_{STAGE}.ipynb",
          mtime=1_600_000_000)
    write(release(marker="early attempt"), download / f"hw_alice_attempt_2026-11-20-09-00-00_{STAGE}.ipynb",
          mtime=1_800_000_000)
    with zipfile.ZipFile(download / "bob.zip", "w") as zf:
        zf.writestr("nested/whatever.ipynb", nbformat.writes(release()))

    report = collect(download, course, log=quiet)

    assert set(report.collected) == {("alice", STAGE), ("bob", STAGE)}
    assert "late attempt" in kept_marker(course, "alice")
    assert "latest timestamp in the file name (2026-11-21 09:00:00)" in report.kept[("alice", STAGE)]
    assert set(students(course)) == {"alice", "bob"}


# --- rows in the gradebook ---------------------------------------------------------------------

def test_a_stray_file_makes_no_student_but_a_student_with_an_unreadable_file_gets_a_row(tmp_path, course):
    folder = tmp_path / "class"
    make_submission("invalid_json", folder / "carol")
    write(release(), folder / "dave" / f"{STAGE}.ipynb")
    (folder / "scan of homework.pdf").write_bytes(b"%PDF-1.4")
    write(release(), folder / "stray notebook.ipynb")

    report = collect(folder, course, log=quiet)

    problems = {who: reason for who, _, reason in report.problems}
    assert "JSON" in problems["carol"]
    assert "not a notebook in a recognised layout" in problems["scan of homework.pdf"]
    assert "not a notebook in a recognised layout" in problems["stray notebook.ipynb"]
    assert set(students(course)) == {"carol", "dave"}
    assert report.enrolled == {"carol", "dave"}


def test_a_notebook_from_another_course_named_like_a_stage_is_refused(tmp_path, course):
    foreign = nbformat.v4.new_notebook()
    foreign.cells = [nbformat.v4.new_code_cell("import numpy", metadata={"nbgrader": {
                         "grade_id": "setup", "locked": True, "grade": False, "solution": False}}),
                     nbformat.v4.new_code_cell("def answer(): return 42", metadata={"nbgrader": {
                         "grade_id": "q1", "solution": True, "grade": False, "locked": False}})]
    folder = tmp_path / "class"
    write(foreign, folder / "erin" / f"{STAGE}.ipynb")
    make_submission("deleted_tests", folder / "frank")  # our notebook, test cells deleted: still ours

    report = collect(folder, course, log=quiet)

    [(who, name, reason)] = report.problems
    assert (who, name) == ("erin", f"{STAGE}.ipynb")
    assert f"named like stage {STAGE} but has none of its graded cells" in reason
    assert not (course.submitted / "erin").exists() and ("erin", STAGE) not in report.edited
    assert ("frank", STAGE) in report.collected and report.edited[("frank", STAGE)]


# --- wrong usage -------------------------------------------------------------------------------

def test_a_missing_folder_is_one_message_and_a_nonzero_exit_without_traceback(tmp_path):
    missing = tmp_path / "no such folder"
    with pytest.raises(SubmissionsNotFound, match="no folder or file"):
        collect(missing, Course.scratch(tmp_path / "course"), log=quiet)
    result = subprocess.run([sys.executable, "-m", "utils.instructor", "collect", str(missing)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    assert f"no folder or file {missing}" in result.stderr and "SUBMISSIONS=" in result.stderr


def test_an_empty_folder_says_what_was_expected(tmp_path, capsys):
    empty = tmp_path / "downloads"
    empty.mkdir()
    with pytest.raises(NothingToCollect) as error:
        collect(empty, Course.scratch(tmp_path / "course"), log=quiet)
    message = str(error.value)
    assert "it is empty" in message
    for example in ("jsmith/01_vanilla_gradients.ipynb", "jsmith.zip", "_attempt_",
                    "smithjane_12345_678901_01_vanilla_gradients.ipynb",
                    "Jane Smith_1234567_assignsubmission_file_/"):
        assert example in message
    (empty / "grades.pdf").write_bytes(b"%PDF")
    assert main(["collect", str(empty)]) == 2
    err = capsys.readouterr().err
    assert "nothing to collect" in err and "it holds only grades.pdf" in err and "Traceback" not in err
    assert not (tmp_path / "course" / "gradebook.db").exists()


def test_a_roster_without_ids_is_refused_with_the_expected_header(tmp_path, capsys):
    bad = tmp_path / "canvas_export.csv"
    bad.write_text("Student,ID,SIS User ID\n\"Smith, Jane\",12345,js01\n")
    with pytest.raises(RosterError, match="no 'id' column"):
        read_roster(bad)
    assert main(["roster", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "id,first_name,last_name,email,lms_user_id" in err and "Traceback" not in err
    duplicate = tmp_path / "dup.csv"
    duplicate.write_text("id,first_name\njsmith,Jane\njsmith,Janet\n")
    with pytest.raises(RosterError, match="line 3: id 'jsmith' appears twice"):
        read_roster(duplicate)
    spaced = tmp_path / "spaced.csv"
    spaced.write_text("id\nJane Smith\n")
    with pytest.raises(RosterError, match="may only hold letters"):
        read_roster(spaced)


def test_a_roster_import_updates_names_without_touching_other_students(tmp_path, course, roster):
    import_roster(roster, course)
    roster.write_text("id,first_name,last_name,email\njsmith,Janet,Smith,janet@uni.example\n")
    import_roster(roster, course)
    known = students(course)
    assert (known["jsmith"].first_name, known["jsmith"].email) == ("Janet", "janet@uni.example")
    assert set(known) == {"jsmith", "bnguyen", "alee"}
