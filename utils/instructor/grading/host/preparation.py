"""Before the first notebook is graded: what grading needs in place, and what decides a grade.

* the gradebook knows every stage's test cells (nbgrader restores test cells from it) and its due date
  (``schedule.csv``; nbgrader's late penalty reads it there);
* the answer key's values for every hidden test are computed here, before any
  student's kernel starts (``judge/expected.py`` caches them);
* ``grader_version`` hashes everything besides the submission that decides a grade,
  so that a notebook graded from the same files by the same grader is not graded again.
"""

from __future__ import annotations

from ...gradebook.stage_sources import ensure_gradebook  # noqa: F401 (the flow's first step, named here)
from ...paths import Course, stages
from ...record.grading_record import GradingRecord
from ...record.hashes import submission_hash  # noqa: F401 (re-exported)
from ..worker.grader_version import grader_version  # noqa: F401 (re-exported)


def up_to_date(course: Course, student: str, stage: str, status: dict[str, dict[str, GradingRecord]],
               grader: str) -> bool:
    """Graded before, successfully, from these very files by this very grader, and the graded notebook is there."""
    record = status.get(student, {}).get(stage)
    return bool(record is not None and record.ok and record.submission == submission_hash(course, student, stage)
                and record.grader == grader
                and (course.autograded / student / stage / f"{stage}.ipynb").exists())


def prepare_expected_values(log=print) -> None:
    """Compute (or find cached) the answer key's values for every stage, here, before any kernel starts."""
    from ...judge import expected

    for stage in stages():
        expected.load(stage, log=log)
