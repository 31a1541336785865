"""Take a folder of student submissions into nbgrader's submitted/ directory.

Accepted layouts, mixed freely:

* one folder per student: ``SUBMISSIONS/<student>/**.ipynb`` (any names, any depth),
* one archive per student: ``SUBMISSIONS/<student>.zip`` holding notebooks,
* nbgrader's ``zip_collect`` / LMS download naming, flat files such as
  ``<anything>_<student>_attempt_<timestamp>_<file>.ipynb``.

Each notebook's stage is recognised from its graded cells, so renamed files are
fine. When a student handed in one stage several times, the latest (by the
timestamp in the name, else the file's modification time) replaces everything
of the earlier ones, including their autograded notebook and feedback. A file
that cannot be graded (invalid JSON, wrong nbformat, no course cells) is
reported with a reason and the batch goes on.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .identify import UnreadableNotebook, edited_readonly_cells, identify_stage, read_submission
from .paths import Course

LMS_NAME = re.compile(r".*_(?P<student>[A-Za-z0-9\-]+)_attempt_(?P<timestamp>[0-9\-]+)_(?P<file>.+)$")
IGNORED_SUFFIXES = {".csv", ".md", ".txt"}  # class lists and notes next to the submissions
STUDENT_ID = re.compile(r"^[A-Za-z0-9_\-.]+$")


@dataclass
class Candidate:
    student: str
    path: Path
    timestamp: dt.datetime


@dataclass
class CollectReport:
    collected: dict = field(default_factory=dict)   # (student, stage) -> source file
    problems: list = field(default_factory=list)    # (student, file, reason)
    edited: dict = field(default_factory=dict)      # (student, stage) -> read-only grade ids changed or deleted

    def summary(self) -> str:
        lines = [f"collected {len(self.collected)} notebook(s) from "
                 f"{len({s for s, _ in self.collected})} student(s)"]
        lines += [f"  PROBLEM {student}: {reason}" for student, _, reason in self.problems]
        lines += [f"  NOTICE {student} {stage}: read-only cells edited or deleted: {', '.join(ids)} "
                  "(restored from the gradebook when grading)" for (student, stage), ids in self.edited.items()]
        return "\n".join(lines)


def _timestamp(path: Path, stamp: str | None) -> dt.datetime:
    if stamp:
        digits = re.sub(r"\D", "", stamp)[:14].ljust(14, "0")
        try:
            return dt.datetime.strptime(digits, "%Y%m%d%H%M%S")
        except ValueError:
            pass
    return dt.datetime.fromtimestamp(path.stat().st_mtime)


def _candidates(submissions: Path, unpack_dir: Path, report: CollectReport) -> list[Candidate]:
    found = []
    for entry in sorted(submissions.iterdir()):
        if entry.name.startswith(".") or entry.suffix in IGNORED_SUFFIXES:
            continue
        match = LMS_NAME.match(entry.name)
        if entry.is_file() and match:
            found.append(Candidate(match["student"], entry, _timestamp(entry, match["timestamp"])))
        elif entry.is_dir():
            for path in sorted(entry.rglob("*.ipynb")):
                if ".ipynb_checkpoints" not in path.parts:
                    found.append(Candidate(entry.name, path, _timestamp(path, None)))
            for archive in sorted(entry.rglob("*.zip")):
                found.extend(_from_zip(archive, entry.name, unpack_dir, report))
        elif entry.suffix == ".zip":
            found.extend(_from_zip(entry, entry.stem, unpack_dir, report))
        else:
            report.problems.append((entry.stem, entry.name, "not a folder, a .zip or an LMS-named notebook; skipped"))
    return found


def _from_zip(archive: Path, student: str, unpack_dir: Path, report: CollectReport) -> list[Candidate]:
    target = unpack_dir / f"{student}-{archive.stem}"
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [m for m in zf.namelist() if m.endswith(".ipynb") and "__MACOSX" not in m
                       and ".ipynb_checkpoints" not in m and not Path(m).is_absolute() and ".." not in Path(m).parts]
            zf.extractall(target, members)
            times = {m: dt.datetime(*zf.getinfo(m).date_time) for m in members}
    except zipfile.BadZipFile:
        report.problems.append((student, archive.name, "not a valid zip archive"))
        return []
    return [Candidate(student, target / m, times[m]) for m in members]


def collect(submissions, course: Course = Course(), log=print) -> CollectReport:
    submissions = Path(submissions)
    if not submissions.is_dir():
        raise FileNotFoundError(f"no folder {submissions}: pass SUBMISSIONS=<folder of submissions>.")
    report = CollectReport()
    latest: dict[tuple[str, str], tuple[Candidate, nbformat.NotebookNode]] = {}
    with tempfile.TemporaryDirectory() as unpack:
        for candidate in _candidates(submissions, Path(unpack), report):
            if not STUDENT_ID.match(candidate.student):
                report.problems.append((candidate.student, candidate.path.name,
                                        "student id may only hold letters, digits, '-', '_' and '.'"))
                continue
            try:
                nb = read_submission(candidate.path)
                stage = identify_stage(nb, candidate.path.name)
            except UnreadableNotebook as error:
                report.problems.append((candidate.student, candidate.path.name, str(error)))
                continue
            key = (candidate.student, stage)
            if key not in latest or candidate.timestamp >= latest[key][0].timestamp:
                latest[key] = (candidate, nb)
        for (student, stage), (candidate, nb) in sorted(latest.items()):
            for old in (course.submitted / student / stage, course.autograded / student / stage,
                        course.feedback / student / stage):
                shutil.rmtree(old, ignore_errors=True)
            destination = course.submitted / student / stage
            destination.mkdir(parents=True)
            nbformat.write(nb, str(destination / f"{stage}.ipynb"))
            (destination / "timestamp.txt").write_text(candidate.timestamp.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
            report.collected[(student, stage)] = str(candidate.path.name)
            edited = edited_readonly_cells(nb, stage)
            if edited:
                report.edited[(student, stage)] = edited
    _enrol(course, {c for c, _ in report.collected} | {s for s, _, _ in report.problems})
    log(report.summary())
    return report


def _enrol(course: Course, students: set) -> None:
    """Every student who handed in anything is in the gradebook, so one whose files
    could not be read still gets a row (with 0) in the grade CSV instead of vanishing."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gradebook:
        for student in sorted(s for s in students if STUDENT_ID.match(s)):
            gradebook.update_or_create_student(student)
