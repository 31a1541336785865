"""What every grade export of the course shares: nbgrader's export plugin, reading the course's grade table.

An export plugin is a class nbgrader runs with ``nbgrader export --exporter=<module>.<Class> --to FILE``
(``ExportApp`` creates it with the app as parent and calls ``export(gradebook)``). The course's plugins
subclass ``CourseExportPlugin``, which reads ``grades.class_grades`` (scores, the status of each notebook,
the written-answer points still to be graded by hand) for the course whose ``CourseDirectory.root`` nbgrader
was given, and honours nbgrader's ``--assignment`` and ``--student`` lists.

A late hand-in's grade is its points after the late penalty (``grades.py``); the log names every late hand-in
with its penalty, and, flagged, every one handed in after the last accepted moment (kept and graded, counted 0).

Pending grades are never exported as a final 0: a stage whose written answers are not all graded by hand
yet (or that is waiting for autograding, or could not be graded) is left **empty**, which Canvas and
Moodle both read as "not graded yet" (and leave an existing grade alone), and the log says how many.
"""

from __future__ import annotations

from pathlib import Path

from nbgrader.plugins import ExportPlugin
from traitlets import Unicode

from ..record.state import State
from .grades import ClassGrades, StageGrade, class_grades
from ..paths import Course


class CourseExportPlugin(ExportPlugin):
    """Base of the course's exporters: ``self.grades(gradebook)`` and ``self.cell(stage_grade)``."""

    #: File written when no ``--to`` is given.
    default_to = "grades-export.csv"

    course_root = Unicode("", help="the course workspace (submitted/, grading_status.json); default: nbgrader's "
                                   "CourseDirectory.root, as ``nbgrader export`` runs the plugin").tag(config=True)

    def course(self) -> Course:
        if self.course_root:
            return Course(Path(self.course_root))
        coursedir = getattr(self.parent, "coursedir", None)
        return Course(Path(coursedir.root)) if coursedir is not None else Course()

    def destination(self) -> Path:
        return Path(self.to or self.default_to)

    def grades(self, gradebook) -> ClassGrades:
        """The course's grades, limited to ``--assignment`` and ``--student`` when given."""
        grades = class_grades(self.course(), gradebook)
        if self.assignment:
            wanted = [str(a) for a in self.assignment]
            unknown = sorted(set(wanted) - set(grades.stages))
            if unknown:
                raise ValueError(f"no assignment {unknown} in the gradebook; it has {grades.stages} "
                                 "(run make autograde first, or fix --assignment)")
            grades.stages = [s for s in grades.stages if s in wanted]
        if self.student:
            wanted = {str(s) for s in self.student}
            grades.students = [s for s in grades.students if s.id in wanted]
        return grades

    @staticmethod
    def cell(grade: StageGrade) -> str:
        """What goes in a grade cell: the points when final (0 when not submitted), empty while pending."""
        return f"{grade.score:g}" if grade.final else ""

    def report(self, path: Path, grades: ClassGrades, what: str) -> None:
        """Log what was written and, above all, which grades were left empty and why."""
        left = [(s.id, stage, s.stages[stage]) for s in grades.students for stage in grades.stages
                if not s.stages[stage].final]
        written = sum(1 for s in grades.students for stage in grades.stages if s.stages[stage].final)
        missing = sum(1 for s in grades.students for stage in grades.stages
                      if s.stages[stage].state is State.NOT_SUBMITTED)
        self.log.info("wrote %s: %s, %d students, %d grades (%d of them 0 for not submitted)", path, what,
                      len(grades.students), written, missing)
        late = [(s.id, stage, s.stages[stage]) for s in grades.students for stage in grades.stages
                if s.stages[stage].late_seconds > 0]
        if late:
            self.log.info("%d late hand-ins, graded after the late penalty: %s", len(late),
                          ", ".join(f"{student} {stage} ({g.days_late:g} days late, -{g.late_penalty:g})"
                                    for student, stage, g in late[:20]) + (" ..." if len(late) > 20 else ""))
        past = [(student, stage) for student, stage, g in late if g.past_last_accepted]
        if past:
            self.log.warning("%d hand-ins came after the last accepted moment: kept and graded, exported as 0 by the "
                             "late policy (grant an extension with make extension to count one): %s", len(past),
                             ", ".join(f"{student} {stage}" for student, stage in past))
        if left:
            points = sum(g.pending_points for _, _, g in left)
            self.log.warning("%d grades left EMPTY, not final yet (%g points of written answers to grade by hand "
                             "in formgrader; the rest waits for autograding or needs a look): %s", len(left), points,
                             ", ".join(f"{student} {stage}" for student, stage, _ in left[:20])
                             + (" ..." if len(left) > 20 else ""))
