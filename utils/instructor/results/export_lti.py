"""Grades sent to the LMS's gradebook through LTI 1.3 Assignment and Grade Services, as an nbgrader export plugin.

    nbgrader export --exporter=utils.instructor.results.export_lti.LtiExportPlugin --to lti_scores.csv
    python -m utils.instructor export --format lti [--dry-run]          # make export FORMAT=lti [DRY_RUN=1]

What is sent, and what is not and why, is :mod:`..lms.score_return`'s; this plugin reads the course's grades
(``--assignment`` and ``--student`` limit them, as for the other exports), sends them, writes what happened to
every grade to the ``--to`` file (``student_id,stage,score,maximum,outcome,why``) and logs a summary. When a
score could not be sent, the command fails (exit status 1) after naming each one; the next run sends them.
"""

from __future__ import annotations

from traitlets import Bool

from ..lms.platform_settings import LtiNotConfigured
from .lms_export import CourseExportPlugin


class ScoresNotSent(RuntimeError):
    """Some final grades did not reach the LMS; the message names them, the next run sends them."""


class LtiExportPlugin(CourseExportPlugin):
    """nbgrader export plugin sending the final grades to the LMS (LTI Assignment and Grade Services)."""

    default_to = "lti_scores.csv"

    dry_run = Bool(False, help="say what would be sent, send nothing").tag(config=True)

    def export(self, gradebook) -> None:
        from ..lms.score_return import ScoreOutcome, return_scores

        grades = self.grades(gradebook)
        course = self.course()
        try:
            report = return_scores(course.root, grades, dry_run=self.dry_run)
        except LtiNotConfigured as error:
            self._fail(f"nothing sent: {error}")
            return
        path = report.write_csv(self.destination())
        self.log.info("wrote %s: what happened to each of %d grades", path, len(report.results))
        for outcome, count in report.counts():
            self.log.info("%d %s", count, outcome.value)
        for shown in report.having(ScoreOutcome.WOULD_SEND, ScoreOutcome.FAILED):
            log = self.log.warning if shown.outcome is ScoreOutcome.FAILED else self.log.info
            log("%s: %s %s, %g of %g%s", shown.outcome.value, shown.student, shown.stage, shown.score, shown.maximum,
                f" ({shown.why})" if shown.why else "")
        if report.failed:
            self._fail(f"{len(report.failed)} score(s) did not reach the LMS (listed above and in {path}); "
                       "nothing in the gradebook changed: run the export again to send them")

    def _fail(self, message: str) -> None:
        fail = getattr(self.parent, "fail", None)
        if fail is not None:
            fail(message)  # nbgrader's apps log the message and exit with status 1
        raise ScoresNotSent(message)
