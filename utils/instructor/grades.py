"""Export grades: one row per student, one column per assignment, its grading status, and the total."""

from __future__ import annotations

import csv
from pathlib import Path

from .autograde import load_status
from .paths import Course, stages

NOT_SUBMITTED = "not submitted"


def grading_status(entry: dict | None) -> str:
    """In words, what happened when a notebook was graded (from ``grading_status.json``)."""
    if not entry:
        return NOT_SUBMITTED
    if not entry.get("ok"):
        return f"could not be graded: {entry.get('message') or 'see the autograde log'}"
    notes = []
    if entry.get("sandbox") is False:
        notes.append("graded WITHOUT sandbox")
    if entry.get("timed_out_cells"):
        notes.append(f"cells {entry['timed_out_cells']} ran out of time (0 points)")
    if entry.get("kernel_deaths"):
        notes.append(f"the kernel died {entry['kernel_deaths']} time(s)")
    return "; ".join(notes) or "graded"


def grade_table(course: Course = Course()) -> list[dict]:
    """Scores from the gradebook (autograded points plus any manual grades given so far), with each
    notebook's grading status. A stage a student did not hand in, or that could not be graded, counts 0.
    """
    from nbgrader.api import Gradebook, MissingEntry

    status = load_status(course)
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
                row[f"{stage} status"] = grading_status(status.get(student.id, {}).get(stage))
            row["total"] = round(sum(row[s] for s in names), 2)
            rows.append(row)
        maximum = {"student_id": "(max)"}
        for stage in names:
            maximum[stage] = gradebook.find_assignment(stage).max_score
            maximum[f"{stage} status"] = ""
        maximum["total"] = sum(maximum[s] for s in names)
    return rows + [maximum]


def export_grades(course: Course = Course(), path: Path | None = None, log=print) -> Path:
    path = Path(path) if path else course.grades_csv
    rows = grade_table(course)
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[-1]))
        writer.writeheader()
        writer.writerows(rows)
    flagged = sum(1 for row in rows[:-1] for key, value in row.items()
                  if key.endswith(" status") and value not in ("graded", NOT_SUBMITTED))
    log(f"wrote {path} ({len(rows) - 1} students" + (f"; {flagged} notebooks need a look: see the status columns)"
                                                     if flagged else ")"))
    return path
