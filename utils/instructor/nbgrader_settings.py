"""The course's nbgrader configuration for one course folder, as ``nbgrader`` run there would read it, with a
caller's settings on top: what the in-process converters (the worker's autograde, the gradebook's
generate_assignment) are built with."""

from __future__ import annotations

import copy

from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config
from traitlets.config.loader import KVArgParseConfigLoader

from .paths import Course, course_config


def overrides(*arguments: str) -> Config:
    """nbgrader command-line settings (``--Execute.timeout=60``) as a traitlets Config."""
    return KVArgParseConfigLoader(argv=list(arguments)).load_config()


def configured(course: Course, stage: str, student: str, settings: Config | None = None):
    """(config, coursedir): the course's nbgrader configuration for ``course``, with ``settings`` on top."""
    config = copy.deepcopy(course_config())
    config.merge(Config({"CourseDirectory": {"root": str(course.root), "db_url": course.db_url}}))
    if settings is not None:
        config.merge(settings)
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id, coursedir.student_id = stage, student
    return config, coursedir
