"""Generate the student release course/ from the nbgrader source solutions/, and record the stages' due dates
(``schedule.csv``) in the gradebook the release writes to."""

from __future__ import annotations

from pathlib import Path

from ..nbgrader_cli import run_nbgrader
from ..paths import RELEASE, Course, stages
from .schedule import course_schedule


def generate_release(release_dir: Path = RELEASE, db_url: str | None = None, log=print) -> list[Path]:
    """``nbgrader generate_assignment --force`` for every stage, then each stage's due date from schedule.csv into
    the gradebook; returns the released notebooks. A schedule.csv that cannot be read stops it before anything
    is generated (ScheduleError names the row to fix)."""
    from ..gradebook.due_dates import apply_schedule
    from ..gradebook.door import open_gradebook

    schedule = course_schedule()
    released = []
    for stage in stages():
        args = ["generate_assignment", stage, "--force", f"--CourseDirectory.release_directory={release_dir}"]
        if db_url:
            args.append(f"--CourseDirectory.db_url={db_url}")
        run_nbgrader(*args)
        released.append(Path(release_dir) / stage / f"{stage}.ipynb")
        log(f"released {stage}")
    with open_gradebook(Course(), db_url) as gradebook:
        apply_schedule(gradebook, schedule, log=log)
    return released
