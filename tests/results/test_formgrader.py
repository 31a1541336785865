"""The instructor's way to the written answers: `make formgrader` serves nbgrader's formgrader on the course, a
manual grade entered through formgrader's own REST API reaches grades.csv, and it survives a re-grade."""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from utils.instructor.grading.host.autograde import autograde_all
from utils.instructor.intake.collect import collect
from utils.instructor.tools.demo_class import STAGE, make_submission
from utils.instructor.results.grades import export_grades
from utils.instructor.paths import ROOT, Course

TOKEN = "formgrader-test-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Formgrader:
    def __init__(self, course: Course):
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "utils.instructor", "formgrader", "--root", str(course.root), "--no-browser",
             "--port", str(self.port), "--token", TOKEN], cwd=ROOT, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def call(self, path: str, body: dict | None = None):
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/formgrader/api/{path}",
                                         data=None if body is None else json.dumps(body).encode(),
                                         method="GET" if body is None else "PUT",
                                         headers={"Authorization": f"token {TOKEN}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def wait(self, timeout: float = 300):
        deadline = time.time() + timeout
        while time.time() < deadline:
            assert self.process.poll() is None, "the formgrader server exited"
            try:
                return self.call("assignments")
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(1)
        raise AssertionError("formgrader did not answer")

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=60)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("formgrader")
    course = Course.scratch(root / "course")
    make_submission("correct", root / "submissions" / "ada", root / "course")
    collect(root / "submissions", course, log=lambda *_: None)
    assert all(r.ok for r in autograde_all(course, log=print))
    return course


def total(course: Course, path) -> float:
    with open(export_grades(course, path, log=lambda *_: None)) as handle:
        return float(next(row for row in csv.DictReader(handle) if row["student_id"] == "ada")["total"])


def test_formgrader_opens_on_a_course_without_a_gradebook(tmp_path):
    course = Course.scratch(tmp_path / "course")
    server = Formgrader(course)
    try:
        assignments = server.wait()
    finally:
        server.stop()
    assert {a["name"] for a in assignments} >= {STAGE, "08_sanity_checks"}
    with sqlite3.connect(course.gradebook) as db:
        assert db.execute("select version_num from alembic_version").fetchall(), "gradebook without schema version"


def test_a_manual_grade_reaches_grades_csv_and_survives_a_regrade(graded):
    before = total(graded, graded.root / "before.csv")
    server = Formgrader(graded)
    try:
        server.wait()
        [submission] = server.call(f"submitted_notebooks/{STAGE}/{STAGE}")
        grades = server.call(f"grades?submission_id={submission['id']}")
        written = [g for g in grades if g["cell_type"] == "markdown"]  # written answers: graded by hand
        assert written, "stage 01 has written answers to grade by hand"
        for grade in written:
            server.call(f"grade/{grade['id']}", {"manual_score": grade["max_score"]})
    finally:
        server.stop()
    by_hand = sum(g["max_score"] for g in written)
    assert total(graded, graded.root / "after.csv") == pytest.approx(before + by_hand)
    results = autograde_all(graded, force=True, log=print)
    assert [r.ok for r in results] == [True]
    assert total(graded, graded.root / "regraded.csv") == pytest.approx(before + by_hand)
