"""Generate the student release course/ from the nbgrader source solutions/."""

from __future__ import annotations

from pathlib import Path

from ..nbgrader_cli import run_nbgrader
from ..paths import RELEASE, stages


def generate_release(release_dir: Path = RELEASE, db_url: str | None = None, log=print) -> list[Path]:
    """``nbgrader generate_assignment --force`` for every stage; returns the released notebooks."""
    released = []
    for stage in stages():
        args = ["generate_assignment", stage, "--force", f"--CourseDirectory.release_directory={release_dir}"]
        if db_url:
            args.append(f"--CourseDirectory.db_url={db_url}")
        run_nbgrader(*args)
        released.append(Path(release_dir) / stage / f"{stage}.ipynb")
        log(f"released {stage}")
    return released
