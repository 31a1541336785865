"""What the hub's tests share: when they can run, a student's filled-in stage 01, a course's grade of one student."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
STAGE = "01_vanilla_gradients"

needs_hub = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("bwrap") is None or shutil.which("useradd") is None,
    reason="the class hub needs root, bubblewrap and useradd (make test installs them as root: "
           "apt-get install bubblewrap passwd)")


def solved_stage01(released_source: str) -> str:
    """The released stage-01 notebook (as a student fetched it) with the solution cells filled in from the
    nbgrader source, matched by grade id: what a student who solved it would hand in."""
    released = nbformat.reads(released_source, as_version=4)
    source = nbformat.read(ROOT / "solutions" / STAGE / f"{STAGE}.ipynb", as_version=4)
    solutions = {cell.metadata["nbgrader"]["grade_id"]: cell.source for cell in source.cells
                 if cell.metadata.get("nbgrader", {}).get("solution")}
    for cell in released.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and grade_id in solutions:
            cell.source = solutions[grade_id]
    return nbformat.writes(released)


def fill_in_stage01(student) -> None:
    """Write the solved notebook into the student's fetched ``01_vanilla_gradients/`` through their server."""
    path = f"api/contents/{STAGE}/{STAGE}.ipynb"
    fetched = student.server_api("GET", path, params={"content": 1, "format": "text", "type": "file"})
    assert fetched.status_code == 200, fetched.text
    solved = solved_stage01(fetched.json()["content"])
    saved = student.server_api("PUT", path, json={"type": "notebook", "format": "json",
                                                  "content": json.loads(solved)})
    assert saved.status_code == 200, saved.text


def exchange_action(student, action: str, stage: str = STAGE) -> dict:
    """nbgrader's Assignments-tab action (fetch, submit, fetch_feedback) through the student's server."""
    answer = student.server_api("POST", f"assignments/{action}", data={"course_id": "xai-gradients",
                                                                        "assignment_id": stage})
    assert answer.status_code == 200, answer.text
    return answer.json()


def stage_score(course, student: str, stage: str = STAGE) -> float:
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gradebook:
        return gradebook.find_submission(stage, student).score


def stage_max_score(course, student: str, stage: str = STAGE) -> float:
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gradebook:
        return gradebook.find_submission(stage, student).max_score
