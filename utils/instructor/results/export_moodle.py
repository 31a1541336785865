"""Moodle grading worksheet CSV, as an assignment's "Upload grading worksheet" reads it.

    nbgrader export --exporter=utils.instructor.results.export_moodle.MoodleExportPlugin --to moodle.csv
    python -m utils.instructor export --format moodle --to moodle.csv [--assignment 01_vanilla_gradients]

A Moodle worksheet belongs to one Moodle assignment, so one file is written per stage: ``--to`` itself
for a single ``--assignment``, else ``<to stem>_<stage>.csv`` beside it. The columns are those of the
worksheet Moodle offers for download (assignment > View all submissions > Download grading worksheet)::

    Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,Last modified (submission),Last modified (grade),Feedback comments
    Participant 50123,Alice Doe,alice@example.org,graded,5.5,6,Yes,"Monday, 2 March 2026, 09:15 AM","Wednesday, 25 November 2026, 02:30 PM",5.5 of 6 points.

Moodle matches a row by its ``Identifier``, ``Participant <id>``: the id is nbgrader's ``lms_user_id``
when set (collect records the number in Moodle's folder names ``<Full Name>_<id>_assignsubmission_file_``),
else the student id when it is a number; rows without one are written and named in the log, as Moodle
will skip them. ``Last modified (grade)`` is the time of the export, so Moodle takes these grades over
older ones. An empty Grade is a grade not final yet (written answers still to grade by hand, not
autograded, or could not be graded): Moodle leaves that student's grade as it is. ``Status`` and
``Feedback comments`` say what is pending, and for a late hand-in how late it was and the points the late
policy took off (the Grade is after the penalty).
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from traitlets import Bool

from .grades import StageGrade, duration
from .lms_export import CourseExportPlugin

HEADER = ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade", "Grade can be changed",
          "Last modified (submission)", "Last modified (grade)", "Feedback comments"]


def moodle_time(moment: datetime | None) -> str:
    """Moodle's own date format in the worksheet, ``Wednesday, 25 November 2026, 02:30 PM``; ``-`` for none."""
    return moment.strftime("%A, %d %B %Y, %I:%M %p") if moment else "-"


def late_comment(grade: StageGrade) -> str:
    """`` Handed in 1 day 2 h after your deadline: 0.6 points off (late penalty).`` ('' when on time)."""
    if grade.late_seconds <= 0:
        return ""
    if grade.past_last_accepted:
        return (f" Handed in {duration(grade.late_seconds)} after your deadline, after the last accepted moment: "
                f"graded ({grade.score_before_penalty:g} points) but counted 0 by the late policy.")
    points = f"{grade.late_penalty:g} point{'' if grade.late_penalty == 1 else 's'}"
    return f" Handed in {duration(grade.late_seconds)} after your deadline: {points} off (late penalty)."


def comment(grade: StageGrade, maximum: float) -> str:
    if grade.final:
        return f"{grade.score:g} of {maximum:g} points." + late_comment(grade)
    if grade.pending_points:
        return (f"{grade.score:g} of {maximum:g} points so far: {grade.pending_points:g} points of written answers "
                "are not graded yet." + late_comment(grade))
    return f"Not graded yet ({grade.status})."


class MoodleExportPlugin(CourseExportPlugin):
    """nbgrader export plugin writing Moodle grading worksheets (one per stage)."""

    default_to = "moodle_grades.csv"

    feedback_comments = Bool(True, help="fill Moodle's Feedback comments column with the points and what is "
                                        "pending (Moodle imports it when its feedback comments are on)"
                             ).tag(config=True)

    def files(self, stages: list) -> dict:
        to = self.destination()
        if len(stages) == 1:
            return {stages[0]: to}
        return {stage: to.with_name(f"{to.stem}_{stage}{to.suffix or '.csv'}") for stage in stages}

    def export(self, gradebook) -> None:
        grades = self.grades(gradebook)
        now = datetime.now()
        without_id = []
        for stage, path in self.files(grades.stages).items():
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            with open(path, "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(HEADER)
                for student in grades.students:
                    grade = student.stages[stage]
                    number = student.lms_user_id or (student.id if student.id.isdigit() else "")
                    if not number and student.id not in without_id:
                        without_id.append(student.id)
                    writer.writerow([f"Participant {number or student.id}", student.full_name, student.email,
                                     grade.status, self.cell(grade), f"{grades.max_score[stage]:g}", "Yes",
                                     moodle_time(grade.timestamp), moodle_time(now),
                                     comment(grade, grades.max_score[stage]) if self.feedback_comments else ""])
            one = type(grades)([stage], grades.max_score, grades.manual_points, grades.students)
            self.report(path, one, f"Moodle grading worksheet for {stage}")
        if without_id:
            self.log.warning("%d students have no Moodle participant number (nbgrader's lms_user_id, or a numeric "
                             "student id), Moodle will skip their rows: %s. Import the roster with their Moodle ids "
                             "(nbgrader db student import) or collect from Moodle's download.", len(without_id),
                             ", ".join(without_id[:20]))
