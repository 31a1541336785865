"""Where the course keeps things: nbgrader's directories under a course root.

The course's folders are set once, in ``nbgrader_config.py`` (``c.CourseDirectory``);
``ROOT``, ``SOURCE``, ``RELEASE`` and the gradebook's URL are read from nbgrader's own
``CourseDirectory`` as that file configures it, never typed again here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

#: Where nbgrader_config.py is: the repository.
REPOSITORY = Path(__file__).resolve().parents[2]


@functools.lru_cache(maxsize=1)
def course_config():
    """The repository's nbgrader_config.py, loaded as nbgrader loads it (a traitlets ``Config``; copy before changing)."""
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("nbgrader_config.py", path=str(REPOSITORY)).load_config()


@functools.lru_cache(maxsize=1)
def course_directory():
    """nbgrader's ``CourseDirectory`` as the repository's nbgrader_config.py configures it."""
    from nbgrader.coursedir import CourseDirectory

    return CourseDirectory(config=course_config())


ROOT = Path(course_directory().root).resolve()
SOURCE = ROOT / course_directory().source_directory
RELEASE = ROOT / course_directory().release_directory


def stages() -> list[str]:
    """The assignments, in order: the course's one stage list, ``utils.names.STAGES`` (each is nbgrader's
    ``solutions/NN_name/NN_name.ipynb``; tests/student/test_names.py checks that solutions/ holds exactly these)."""
    from utils.names import STAGES

    return list(STAGES)


def source_notebook(stage: str) -> Path:
    """The nbgrader source of ``stage``: ``solutions/<stage>/<stage>.ipynb``."""
    return SOURCE / stage / f"{stage}.ipynb"


def configured_db_url() -> str:
    """``c.CourseDirectory.db_url`` as nbgrader_config.py sets it (where an instructor points the course at a
    shared database)."""
    return course_directory().db_url


@dataclass(frozen=True)
class Course:
    """A grading workspace: nbgrader's submitted/, autograded/, feedback/ and gradebook under ``root``.

    The default is the repository itself; tests and rehearsals use a scratch
    root that links ``solutions`` to the repository's.
    """

    root: Path = ROOT
    #: nbgrader's ``db_url``; empty: the one nbgrader_config.py sets for the repository, ``root/gradebook.db``
    #: for any other workspace. A shared database (PostgreSQL, ...) lets several instructors grade one class.
    database: str = ""

    @property
    def submitted(self) -> Path:
        return self.root / "submitted"

    @property
    def autograded(self) -> Path:
        return self.root / "autograded"

    @property
    def feedback(self) -> Path:
        return self.root / "feedback"

    @property
    def gradebook(self) -> Path:
        return self.root / "gradebook.db"

    @property
    def grades_csv(self) -> Path:
        return self.root / "grades.csv"

    @property
    def collect_problems(self) -> Path:
        """Files a student handed in that could not be read, by student (written by collect)."""
        return self.root / "collect_problems.json"

    @property
    def reports(self) -> Path:
        """The class report (``make report``): class_report.html and its CSV files."""
        return self.root / "reports"

    @property
    def schedule(self) -> Path:
        """The stages' due dates (``prepare/schedule.py``): ``schedule.csv`` in this workspace, or the
        repository's where the workspace has none (a scratch workspace grades on the course's dates)."""
        own = self.root / "schedule.csv"
        return own if own.exists() else REPOSITORY / "schedule.csv"

    @property
    def grading_status(self) -> Path:
        return self.root / "grading_status.json"

    @property
    def db_url(self) -> str:
        if self.database:
            return self.database
        if Path(self.root).resolve() == ROOT:
            return configured_db_url()
        return f"sqlite:///{self.gradebook}"

    def has_gradebook(self) -> bool:
        """Whether the gradebook exists yet (a file for SQLite; a server database is taken to exist)."""
        prefix = "sqlite:///"
        return Path(self.db_url[len(prefix):]).exists() if self.db_url.startswith(prefix) else True

    def nbgrader_args(self) -> list[str]:
        return [f"--CourseDirectory.root={self.root}", f"--CourseDirectory.db_url={self.db_url}"]

    @classmethod
    def scratch(cls, root: Path, database: str = "") -> "Course":
        """A workspace in ``root`` that grades against this repository's solutions/."""
        root = Path(root)
        root.mkdir(parents=True, exist_ok=True)
        if not (root / "solutions").exists():
            (root / "solutions").symlink_to(SOURCE, target_is_directory=True)
        return cls(root, database)
