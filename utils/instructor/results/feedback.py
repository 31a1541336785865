"""HTML feedback per student and stage (nbgrader generate_feedback, hidden tests removed), and one archive per student.

nbgrader writes ``feedback/<student>/<stage>/<stage>.html`` with the course's feedback page
(``nbgrader_config.py``: hidden tests removed, math as MathML, pictures shrunk, no Bootstrap and no
MathJax, so a page opens offline and in an LMS). Then every student gets
``feedback_archives/<student>.zip`` holding their pages, to upload to the LMS (Moodle's "Upload
multiple feedback files in a zip", a Canvas submission comment) or to mail::

    feedback_archives/alice.zip
        01_vanilla_gradients/01_vanilla_gradients.html
        02_gradient_x_input/02_gradient_x_input.html

Where nbgrader's exchange is used, ``nbgrader release_feedback`` hands the same pages back instead.
"""

from __future__ import annotations

import os
import tempfile
import time
import zipfile
from collections import defaultdict
from pathlib import Path

from ..grading.autograde import submissions
from ..nbgrader_cli import run_nbgrader
from ..paths import Course

#: Fixed time stamp for the files in an archive, so that the same pages give the same archive.
ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def archives_folder(course: Course) -> Path:
    return course.root / "feedback_archives"


def generate_feedback(course: Course = Course(), log=print) -> list:
    """Feedback pages for every autograded submission (one nbgrader run per stage), then one archive per
    student. Returns the pages written; a notebook nbgrader could not turn into a page is logged."""
    started = time.time()
    by_stage = defaultdict(list)
    for student, stage in submissions(course):
        if (course.autograded / student / stage).exists():
            by_stage[stage].append(student)
        else:
            log(f"{student} {stage}: not autograded, no feedback")
    made = []
    for stage, students in sorted(by_stage.items()):
        done = run_nbgrader("generate_feedback", stage, "--force", *course.nbgrader_args(), check=False)
        pages = {s: course.feedback / s / stage / f"{stage}.html" for s in students}
        fresh = {s: p for s, p in pages.items() if p.exists() and p.stat().st_mtime >= started - 1}
        made.extend(sorted(fresh.values()))
        log(f"{stage}: feedback for {len(fresh)} of {len(students)} students")
        for student in sorted(set(students) - set(fresh)):
            log(f"  FAILED {student} {stage}: nbgrader wrote no page; its log ends:\n"
                f"{((done.stdout or '') + (done.stderr or ''))[-1500:]}")
    for student in sorted({page.parent.parent.name for page in made}):
        archive = write_archive(course, student)
        log(f"{student}: {archive.relative_to(course.root)} ({archive.stat().st_size / 1024:.0f} kB)")
    return made


def write_archive(course: Course, student: str) -> Path:
    """``feedback_archives/<student>.zip`` with every file under ``feedback/<student>/``, written atomically."""
    folder = archives_folder(course)
    folder.mkdir(parents=True, exist_ok=True)
    source = course.feedback / student
    target = folder / f"{student}.zip"
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".zip.tmp", delete=False) as handle:
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            for path in sorted(p for p in source.rglob("*") if p.is_file()):
                info = zipfile.ZipInfo(path.relative_to(source).as_posix(), ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, path.read_bytes())
    os.chmod(handle.name, 0o644)
    os.replace(handle.name, target)
    return target
