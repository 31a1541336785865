"""Export grades: one row per student, one column per assignment, and the total."""

from __future__ import annotations

import csv
from pathlib import Path

from .paths import Course, stages


def grade_table(course: Course = Course()) -> list[dict]:
    """Scores from the gradebook (autograded points plus any manual grades given so far).

    A stage a student did not hand in, or that could not be graded, counts 0.
    """
    from nbgrader.api import Gradebook, MissingEntry

    rows = []
    with Gradebook(course.db_url) as gradebook:
        names = [s for s in stages() if s in {a.name for a in gradebook.assignments}]
        for student in sorted(gradebook.students, key=lambda s: s.id):
            row = {"student_id": student.id}
            for stage in names:
                try:
                    row[stage] = round(gradebook.find_submission(stage, student.id).score, 2)
                except MissingEntry:
                    row[stage] = 0.0
            row["total"] = round(sum(row[s] for s in names), 2)
            rows.append(row)
        maximum = {"student_id": "(max)"}
        for stage in names:
            maximum[stage] = gradebook.find_assignment(stage).max_score
        maximum["total"] = sum(maximum[s] for s in names)
    return rows + [maximum]


def export_grades(course: Course = Course(), path: Path | None = None, log=print) -> Path:
    path = Path(path) if path else course.grades_csv
    rows = grade_table(course)
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[-1]))
        writer.writeheader()
        writer.writerows(rows)
    log(f"wrote {path} ({len(rows) - 1} students)")
    return path
