"""nbgrader's ``autograde``, run in the worker's process instead of a new ``nbgrader`` process per notebook.

A grading worker keeps one process: nbgrader's converter, the preprocessors, the
judge with its expected values and the course's configuration are loaded once and
serve notebook after notebook. The configuration is the course's
``nbgrader_config.py`` (as ``nbgrader autograde`` would read it) with the
workspace's folders and the caller's overrides on top.

:class:`CourseAutograde` is nbgrader's own ``Autograde`` converter; it only keeps,
per student, what the run reports (typed, see ``record/notebook_report.py``) and the
error that stopped a notebook, instead of leaving both in its log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.converters import Autograde
from traitlets.config import Config

from ...nbgrader_settings import configured, overrides  # noqa: F401 (overrides: the worker's settings)
from ...paths import Course
from ...record.notebook_report import NotebookReport
from .grading_environment import GradingEnvironmentError

LOG = logging.getLogger("xai_course.autograde")


class CourseAutograde(Autograde):
    """nbgrader's Autograde, keeping each student's :class:`NotebookReport` and the error that stopped it."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.reports: dict[str, NotebookReport] = {}
        self.errors: dict[str, BaseException] = {}

    def init_assignment(self, assignment_id: str, student_id: str) -> None:
        """nbgrader's, with the submission made first through the gradebook's door: nbgrader's own
        ``add_submission`` makes SQLAlchemy warn ("Object of type <SubmittedAssignment> not in session")."""
        from nbgrader.api import MissingEntry

        from ...gradebook.door import open_gradebook, submission_of

        with open_gradebook(db_url=self.coursedir.db_url) as gradebook:
            try:
                gradebook.update_or_create_student(student_id)
                submission_of(gradebook, assignment_id, student_id)
            except MissingEntry:
                pass  # no such stage: nbgrader's init_assignment says so
        super().init_assignment(assignment_id, student_id)

    def convert_single_notebook(self, notebook_filename: str) -> None:
        try:
            super().convert_single_notebook(notebook_filename)
        except BaseException as error:
            self.errors[Path(notebook_filename).parent.parent.name] = error
            raise

    def write_single_notebook(self, output, resources) -> None:
        super().write_single_notebook(output, resources)
        if "grading_report" in resources:  # the second pass (autograding), not the sanitizing one
            self.reports[resources["nbgrader"]["student"]] = resources["grading_report"]


@dataclass
class AutogradeRun:
    """What one in-process ``autograde`` did: per student, the report or the error (a student in neither was not
    converted, e.g. the gradebook refused)."""

    reports: dict[str, NotebookReport] = field(default_factory=dict)
    errors: dict[str, BaseException] = field(default_factory=dict)
    failure: BaseException | None = None   # what stopped the whole run, if anything

    def problem(self, student: str) -> str:
        """Why ``student``'s notebook was not graded, in one line."""
        error = self.errors.get(student) or self.failure
        if error is None:
            return "nbgrader did not grade this notebook"
        return f"{type(error).__name__}: {str(error).strip()[:300]}"


def autograde_here(course: Course, stage: str, student: str = "*", settings: Config | None = None) -> AutogradeRun:
    """``nbgrader autograde <stage> --student <student> --force`` in ``course``, in this process.

    ``settings`` go on top of the course's configuration (e.g. other preprocessors,
    a workspace's folders). Never raises for a notebook's failure: it is in the result.
    A broken grading environment (GradingEnvironmentError) is raised: nothing can be graded.
    """
    config, coursedir = configured(course, stage, student, settings)
    converter = CourseAutograde(coursedir=coursedir, config=config, log=LOG)
    converter.force, converter.create_student = True, True
    run = AutogradeRun(converter.reports, converter.errors)
    try:
        converter.start()
    except Exception as error:  # noqa: BLE001 (nbgrader's "see the log above": the per-student errors are kept)
        run.failure = error
    for error in converter.errors.values():
        if isinstance(error, GradingEnvironmentError):
            raise error
    return run
