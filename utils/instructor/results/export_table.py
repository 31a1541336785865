"""The course's grade table (grades.csv's format, with statuses and ``total final``) as an nbgrader export plugin.

    nbgrader export --exporter=utils.instructor.results.export_table.GradeTableExportPlugin --to grades.csv
    python -m utils.instructor export --format csv --to grades.csv

One row per student, one column per stage and its status, the total, whether it is final, the written
points still to grade by hand, and a ``(max)`` row (see ``grades.py`` for an example). Unlike nbgrader's
own ``CsvExportPlugin`` (one row per student and assignment, a pending answer counted as 0 without a word),
nothing here looks final that is not.
"""

from __future__ import annotations

from .grades import export_grades
from .lms_export import CourseExportPlugin


class GradeTableExportPlugin(CourseExportPlugin):
    """nbgrader export plugin writing the course's grades.csv table."""

    default_to = "grades.csv"

    def export(self, gradebook) -> None:
        if self.assignment or self.student:
            raise ValueError("the grade table always holds every stage and student; "
                             "leave out --assignment and --student (or use --format canvas or moodle)")
        export_grades(self.course(), self.destination(), log=self.log.info, gradebook=gradebook)
