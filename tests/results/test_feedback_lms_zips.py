"""make feedback FORMAT=canvas|moodle: the one zip per stage that Canvas or Moodle takes back in a single upload.

The downloads are written as tests/intake/test_collect_lms.py writes them (the LMSs' real names, its helpers) and
collected for real, so every name in a zip comes from what collect recorded. No kernel runs: the feedback pages
are small HTML files put where ``generate_feedback`` writes them (``feedback/<student>/<stage>/<stage>.html``),
because the zips only copy pages; tests/results/test_feedback_offline.py makes real ones. The expected member names are
written out here from the download names, and each is also read the way the LMS reads it (Canvas:
``Assignment#infer_comment_context_from_filename``; Moodle: ``assignfeedback_file_zip_importer``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from utils.instructor.__main__ import main
from utils.instructor.intake.collect import collect
from utils.instructor.intake.lms_origin import FILE_NAME, UnreadableLmsOrigin
from utils.instructor.paths import ROOT, Course
from utils.instructor.results.feedback_lms_zips import UnknownLmsFormat, uploads_folder, write_lms_zips

from tests.intake.test_collect_lms import OTHER_STAGE, ROSTER, STAGE, course, empty_gradebook, release, roster, write  # noqa: F401


def quiet(*_):
    pass


def feedback_page(course: Course, student: str, stage: str) -> Path:
    """A page where generate_feedback writes it, telling whose it is."""
    page = course.feedback / student / stage / f"{stage}.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(f'<!DOCTYPE html><html lang="en"><title>{stage}</title><p>feedback for {student}, {stage}</p>')
    return page


def pages_of(course: Course, collected) -> list[Path]:
    return [feedback_page(course, student, stage) for student, stage in sorted(collected)]


def zip_members(path: Path) -> dict:
    with zipfile.ZipFile(path) as zipped:
        return {name: zipped.read(name).decode() for name in zipped.namelist()}


def canvas_reads(name: str) -> tuple[str, str]:
    """Canvas's reading of a re-uploaded file: the first two all-digit parts of the base name are the user id and
    the id of the file the student submitted (canvas-lms, Assignment#infer_comment_context_from_filename)."""
    user_id, file_id = [part for part in name.rsplit("/", 1)[-1].split("_") if re.fullmatch(r"\d+", part)][:2]
    return user_id, file_id


def moodle_reads(name: str) -> tuple[str, str, str]:
    """Moodle's reading of an uploaded feedback file: in the first path part with 4 pieces between '_', the second
    is the participant id and the next two the submission plugin; the rest is the file's name
    (assignfeedback_file_zip_importer::is_valid_filename_for_import)."""
    parts = name.split("/")
    while parts:
        info = parts.pop(0).split("_", 4)
        if len(info) >= 4 and info[1].isdigit():
            rest = [info[4] if len(info) == 5 else "", *parts]
            return info[1], f"{info[2]}_{info[3]}", "/".join(p for p in rest if p)
    raise AssertionError(f"Moodle would find no participant in {name}")


# --- Canvas ------------------------------------------------------------------------------------

@pytest.fixture
def canvas_class(tmp_path, course, roster):
    """A Canvas download (two uploads of one stage by jsmith, the later one late), plus alee's own folder."""
    download = tmp_path / "canvas"
    write(release(marker="first upload"), download / f"smithjane_12345_678901_{STAGE}.ipynb")
    write(release(marker="second upload"), download / f"smithjane_late_12345_678950_{STAGE}-1.ipynb")
    write(release(OTHER_STAGE), download / f"smithjane_12345_678903_{OTHER_STAGE}.ipynb")
    write(release(), download / "nguyenbao_22222_678902_homework.ipynb")
    write(release(), download / "alee" / "mine.ipynb")
    report = collect(download, course, log=quiet, roster=roster)
    assert set(report.collected) == {("jsmith", STAGE), ("jsmith", OTHER_STAGE), ("bnguyen", STAGE), ("alee", STAGE)}
    return course, pages_of(course, report.collected)


def test_collect_records_the_canvas_name_of_the_kept_hand_in_and_nothing_for_a_plain_folder(canvas_class):
    course, _ = canvas_class
    recorded = json.loads((course.submitted / "jsmith" / STAGE / FILE_NAME).read_text())
    assert recorded == {"lms": "Canvas", "downloaded_as": f"smithjane_late_12345_678950_{STAGE}-1.ipynb"}
    assert not (course.submitted / "alee" / STAGE / FILE_NAME).exists()


def test_the_canvas_zips_name_each_page_as_canvas_named_the_download(canvas_class):
    course, pages = canvas_class
    said = []
    uploads = write_lms_zips(course, "canvas", pages, log=said.append)

    folder = uploads_folder(course, "Canvas")
    assert sorted(p.name for p in folder.iterdir()) == [f"{STAGE}.zip", f"{OTHER_STAGE}.zip"]
    first = zip_members(folder / f"{STAGE}.zip")
    assert sorted(first) == ["nguyenbao_22222_678902_homework.html", f"smithjane_late_12345_678950_{STAGE}-1.html"]
    assert f"feedback for jsmith, {STAGE}" in first[f"smithjane_late_12345_678950_{STAGE}-1.html"]
    assert f"feedback for bnguyen, {STAGE}" in first["nguyenbao_22222_678902_homework.html"]
    second = zip_members(folder / f"{OTHER_STAGE}.zip")
    assert list(second) == [f"smithjane_12345_678903_{OTHER_STAGE}.html"]
    assert f"feedback for jsmith, {OTHER_STAGE}" in second[f"smithjane_12345_678903_{OTHER_STAGE}.html"]
    # Canvas finds the student and the file they submitted (the kept upload, 678950) in each name
    assert canvas_reads(f"smithjane_late_12345_678950_{STAGE}-1.html") == ("12345", "678950")
    assert {canvas_reads(n) for n in [*first, *second]} == {("12345", "678950"), ("22222", "678902"),
                                                            ("12345", "678903")}

    [left] = uploads.left_out
    assert (left.student, left.stage) == ("alee", STAGE)
    log = "\n".join(said)
    assert f"NOT IN THE ZIP alee {STAGE}: handed in as a student folder" in log
    assert f"feedback/alee/{STAGE}/{STAGE}.html another way" in log
    assert "Re-Upload Submissions" in log


def test_a_later_run_leaves_no_zip_of_a_stage_without_pages(canvas_class):
    course, pages = canvas_class
    write_lms_zips(course, "canvas", pages, log=quiet)
    write_lms_zips(course, "canvas", [p for p in pages if p.parent.name == STAGE], log=quiet)
    assert sorted(p.name for p in uploads_folder(course, "Canvas").iterdir()) == [f"{STAGE}.zip"]


def test_canvas_pages_are_listed_not_zipped_for_moodle(canvas_class):
    course, pages = canvas_class
    said = []
    uploads = write_lms_zips(course, "moodle", pages, log=said.append)
    assert uploads.zips == {} and not list(uploads_folder(course, "Moodle").glob("*.zip"))
    assert sorted((item.student, item.stage) for item in uploads.left_out) == [
        ("alee", STAGE), ("bnguyen", STAGE), ("jsmith", STAGE), ("jsmith", OTHER_STAGE)]
    log = "\n".join(said)
    assert "no zip written" in log
    assert f"NOT IN THE ZIP jsmith {STAGE}: handed in through a Canvas download, not Moodle's" in log


# --- Moodle ------------------------------------------------------------------------------------

def test_the_moodle_zips_hold_one_folder_per_participant_named_as_moodle_named_it(tmp_path, course, roster):
    roster.write_text(ROSTER.replace("bnguyen,Bao,Nguyen,bao.nguyen@uni.example,",
                                     "bnguyen,Bao,Nguyen,bao.nguyen@uni.example,7654321"))
    download = tmp_path / "moodle"
    write(release(), download / "Jane Smith_1234567_assignsubmission_file_" / "work" / "anything.ipynb")
    write(release(), download / "Participant_7654321_assignsubmission_file_" / "hw.ipynb")  # blind marking
    write(release(OTHER_STAGE), download / f"Ann Lee_2222222_assignsubmission_file_{OTHER_STAGE}.ipynb")  # flat
    write(release(), download / "carol" / f"{STAGE}.ipynb")  # not from Moodle
    report = collect(download, course, log=quiet, roster=roster)
    assert len(report.collected) == 4
    said = []

    uploads = write_lms_zips(course, "moodle", pages_of(course, report.collected), log=said.append)

    folder = uploads_folder(course, "Moodle")
    first = zip_members(folder / f"{STAGE}.zip")
    assert sorted(first) == [f"Jane Smith_1234567_assignsubmission_file_/{STAGE}.html",
                             f"Participant_7654321_assignsubmission_file_/{STAGE}.html"]
    assert f"feedback for jsmith, {STAGE}" in first[f"Jane Smith_1234567_assignsubmission_file_/{STAGE}.html"]
    assert f"feedback for bnguyen, {STAGE}" in first[f"Participant_7654321_assignsubmission_file_/{STAGE}.html"]
    second = zip_members(folder / f"{OTHER_STAGE}.zip")
    assert list(second) == [f"Ann Lee_2222222_assignsubmission_file_/{OTHER_STAGE}.html"]
    assert {moodle_reads(n) for n in [*first, *second]} == {
        ("1234567", "assignsubmission_file", f"{STAGE}.html"), ("7654321", "assignsubmission_file", f"{STAGE}.html"),
        ("2222222", "assignsubmission_file", f"{OTHER_STAGE}.html")}
    assert [(item.student, item.stage) for item in uploads.left_out] == [("carol", STAGE)]
    assert f"NOT IN THE ZIP carol {STAGE}" in "\n".join(said) and "Upload multiple feedback files" in "\n".join(said)


# --- wrong usage -------------------------------------------------------------------------------

def test_an_unknown_format_or_a_damaged_record_says_what_to_do(canvas_class, capsys):
    course, pages = canvas_class
    with pytest.raises(UnknownLmsFormat, match="use one of canvas, moodle"):
        write_lms_zips(course, "blackboard", pages, log=quiet)
    with pytest.raises(SystemExit):
        main(["feedback", "--format", "blackboard"])
    assert "invalid choice: 'blackboard'" in capsys.readouterr().err
    (course.submitted / "jsmith" / STAGE / FILE_NAME).write_text('{"lms": "Canvas"}')
    with pytest.raises(UnreadableLmsOrigin, match="collect the LMS download again"):
        write_lms_zips(course, "canvas", pages, log=quiet)


def test_make_feedback_passes_format_only_when_given():
    """FORMAT defaults to canvas for make export; make feedback without FORMAT must still write only the pages."""
    outer = {"FORMAT", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}  # neither a FORMAT nor an outer make's variables
    environment = {name: value for name, value in os.environ.items() if name not in outer}

    def planned(*variables):
        return subprocess.run(["make", "-n", "feedback", *variables], cwd=ROOT, capture_output=True, text=True,
                              timeout=60, env=environment).stdout

    assert re.search(r"-m utils\.instructor feedback --format \"?moodle\"?\s*$", planned("FORMAT=moodle"), re.M)
    assert re.search(r"-m utils\.instructor feedback\s*$", planned(), re.M)
