"""Canvas gradebook CSV, as Canvas's Grades > Import reads it.

    nbgrader export --exporter=utils.instructor.results.export_canvas.CanvasExportPlugin --to canvas.csv
    python -m utils.instructor export --format canvas --to canvas.csv

The file has Canvas's own export layout: five identity columns, one column per assignment named
``<name> (<Canvas assignment id>)``, and a ``Points Possible`` row first::

    Student,ID,SIS User ID,SIS Login ID,Section,01_vanilla_gradients (1234),02_gradient_x_input
        Points Possible,,,,,6,6
    "Doe, Alice",50123,alice,,,5.5,
    "Roe, Bob",50124,bob,,,6,0

Canvas matches a row to a student by ``ID`` (its user id: nbgrader's ``lms_user_id``, as
``nbgrader db student import`` or collect record it), else by ``SIS User ID`` (nbgrader's student id).
A column whose header carries ``(<id>)`` updates that Canvas assignment; without an id, Canvas offers to
create a new assignment of that name. Give the ids with
``--CanvasExportPlugin.assignment_ids='{"01_vanilla_gradients": 1234}'`` (or in nbgrader_config.py).

An empty cell is a grade not final yet (written answers still to grade by hand, not autograded, or could
not be graded): Canvas leaves the student's grade as it is, so nothing shows as a false 0. The log
names these cells. A stage not handed in is exported as 0.

A late hand-in's cell holds its points after the late penalty. Canvas's import takes every other column for
an assignment, so lateness goes beside the import file, in ``<to stem>_late.csv`` (written when some hand-in
was late, removed otherwise), one row per late hand-in::

    Student,SIS User ID,stage,days late,late penalty,points before penalty,points,after last accepted moment
    "Doe, Alice",alice,01_vanilla_gradients,1.08,0.5,5,4.5,no
"""

from __future__ import annotations

import csv

from pathlib import Path

from traitlets import Dict, Unicode

from .lms_export import CourseExportPlugin

HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
LATE_HEADER = ["Student", "SIS User ID", "stage", "days late", "late penalty", "points before penalty", "points",
               "after last accepted moment"]


def late_file(path: Path) -> Path:
    """Where the late hand-ins of the Canvas import ``path`` are listed: ``<stem>_late.csv`` beside it."""
    return path.with_name(f"{path.stem}_late{path.suffix or '.csv'}")


class CanvasExportPlugin(CourseExportPlugin):
    """nbgrader export plugin writing a Canvas gradebook import CSV (one column per stage)."""

    default_to = "canvas_grades.csv"

    assignment_ids = Dict({}, help="Canvas assignment id per nbgrader assignment, "
                                   "e.g. {'01_vanilla_gradients': 1234}").tag(config=True)
    section = Unicode("", help="what to write in Canvas's Section column (Canvas ignores it on import)"
                      ).tag(config=True)

    def column(self, stage: str) -> str:
        canvas_id = self.assignment_ids.get(stage)
        return f"{stage} ({canvas_id})" if canvas_id else stage

    def export(self, gradebook) -> None:
        grades = self.grades(gradebook)
        path = self.destination()
        late = [(student, stage, student.stages[stage]) for student in grades.students for stage in grades.stages
                if student.stages[stage].late_seconds > 0]
        beside = late_file(Path(path))
        if late:
            with open(beside, "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(LATE_HEADER)
                for student, stage, grade in late:
                    name = ", ".join(p for p in (student.last_name, student.first_name) if p) or student.id
                    writer.writerow([name, student.id, stage, f"{grade.days_late:g}", f"{grade.late_penalty:g}",
                                     f"{grade.score_before_penalty:g}", f"{grade.score:g}",
                                     "yes" if grade.past_last_accepted else "no"])
            self.log.info("wrote %s: %d late hand-in(s), with their penalties", beside, len(late))
        elif beside.exists():
            beside.unlink()
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER + [self.column(stage) for stage in grades.stages])
            writer.writerow(["    Points Possible", "", "", "", ""]
                            + [f"{grades.max_score[stage]:g}" for stage in grades.stages])
            for student in grades.students:
                name = ", ".join(p for p in (student.last_name, student.first_name) if p) or student.id
                writer.writerow([name, student.lms_user_id, student.id, "", self.section]
                                + [self.cell(student.stages[stage]) for stage in grades.stages])
        self.report(path, grades, "Canvas gradebook import")
