"""HTML feedback per student and stage (nbgrader generate_feedback, hidden tests removed)."""

from __future__ import annotations

from .autograde import submissions
from .nbgrader_cli import run_nbgrader
from .paths import Course


def generate_feedback(course: Course = Course(), log=print) -> list:
    made = []
    for student, stage in submissions(course):
        if not (course.autograded / student / stage).exists():
            log(f"{student} {stage}: not autograded, no feedback")
            continue
        run_nbgrader("generate_feedback", stage, "--student", student, "--force", *course.nbgrader_args())
        made.extend(sorted((course.feedback / student / stage).glob("*.html")))
        log(f"{student} {stage}: feedback written")
    return made
