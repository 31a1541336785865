"""Where the student's package ends and the instructor's begins: the one definition of the boundary.

``utils/`` is the student's package: everything a student's notebook, and a grading
kernel, may import. ``utils/instructor/`` is the instructor's package inside it: the
answer key, the judge and the instructor's tools, which no student and no grading
kernel may reach. Three places keep them apart, all from the paths below:

* the student bundle ships :func:`student_files` and nothing else of ``utils``
  (``utils/instructor/prepare/bundle.py``);
* the grading sandbox shows ``utils`` with :data:`INSTRUCTOR_PACKAGE` replaced by an
  empty folder (``utils/instructor/grading/worker/sandbox.py``);
* the call watcher notes a student's function that calls into :data:`INSTRUCTOR_PACKAGE`
  (``utils/calling/watch.py``: for runs without the sandbox, e.g. the tests).
"""

from __future__ import annotations

from pathlib import Path

#: The student's package: ``utils/``.
STUDENT_PACKAGE = Path(__file__).resolve().parent
#: The instructor's package, inside it: ``utils/instructor/``.
INSTRUCTOR_PACKAGE = STUDENT_PACKAGE / "instructor"
#: What Python and Jupyter leave beside the code, never part of either package.
LITTER = ("__pycache__", ".ipynb_checkpoints")


def is_student_file(path: Path) -> bool:
    """Whether ``path`` (a file below ``utils/``) belongs to the student's package."""
    path = Path(path).resolve()
    inside = path.relative_to(STUDENT_PACKAGE)
    return not (path.is_relative_to(INSTRUCTOR_PACKAGE) or set(inside.parts) & set(LITTER) or path.suffix == ".pyc")


def student_files() -> list[Path]:
    """Every file of the student's package: ``utils/`` without ``utils/instructor/`` and without litter."""
    return [path for path in sorted(STUDENT_PACKAGE.rglob("*")) if path.is_file() and is_student_file(path)]
