"""The demo class (``make demo-class``: one submission of each kind, all of stage 01), collected and autograded
once per test session in a scratch workspace (the ``graded_class`` fixture in conftest.py): the robustness tests
and the class report's tests read what came out."""

from __future__ import annotations

import csv
import hashlib
import sys
import time
from pathlib import Path

from utils.instructor.grading.host.autograde import autograde_all
from utils.instructor.intake.collect import collect
from utils.instructor.tools.demo_class import KINDS, make_demo_class
from utils.instructor.results.grades import export_grades
from utils.instructor.paths import ROOT, Course

# Long enough for the slowest cell of stage 01 on a loaded 2-core machine, short
# enough that the endless loop in one submission costs little.
TIMEOUT = "--Execute.timeout=45"


def student_of(kind: str) -> str:
    return next(f"s{n + 1:02d}-{k.name.replace('_', '-')}" for n, k in enumerate(KINDS) if k.name == kind)


def fingerprint(paths) -> dict:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.is_file()}


def repository_files() -> list:
    """The code every later grading process runs: the course's utils and the environment's .pth files."""
    return [*ROOT.joinpath("utils").rglob("*.py"), *Path(sys.prefix).glob("lib/*/site-packages/*.pth")]


def grade_demo_class(root: Path) -> dict:
    """Make, collect and autograde the demo class under ``root``; what the tests read afterwards."""
    course = Course.scratch(root / "course")
    submissions = make_demo_class(root / "submissions", log=lambda *_: None, attack_root=course.root)
    report = collect(submissions, course, log=lambda *_: None)
    submitted_before = fingerprint(course.submitted.rglob("*"))
    code_before = fingerprint(repository_files())
    results = autograde_all(course, extra_args=(TIMEOUT,), jobs=2, log=print)
    submitted_after = fingerprint(course.submitted.rglob("*"))
    code_after = fingerprint(repository_files())
    time.sleep(2)  # a daemon that survived would have written by now
    grades = export_grades(course, log=lambda *_: None)
    with open(grades) as handle:
        scores = {row["student_id"]: row for row in csv.DictReader(handle)}
    with open(submissions / "expected_scores.csv") as handle:
        expected = {row["student_id"]: row for row in csv.DictReader(handle)}
    return dict(course=course, submissions=submissions, report=report, results=results, scores=scores,
                expected=expected, submitted=(submitted_before, submitted_after), code=(code_before, code_after))
