"""formgrader: JupyterLab with nbgrader's formgrader open on the course, for grading written answers by hand.

The gradebook is made (with its schema) before the server starts, and the
server runs from the course's root, where formgrader reads nbgrader_config.py.
Opened on an empty course, formgrader itself would create a gradebook without its
schema version (nbgrader runs ``alembic`` by name; this process has the
environment's ``bin`` on PATH, see ``utils/instructor/__init__.py``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HELP = "JupyterLab with nbgrader's formgrader on the course (grade written answers by hand)"


def add_arguments(parser) -> None:
    parser.add_argument("--port", type=int, default=8888)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--root", default=None, help="grading workspace (default: this repository)")
    parser.add_argument("--token", default=None, help="the server's access token (default: Jupyter makes one)")


def jupyterlab_command(root: Path, *options: str) -> list[str]:
    """JupyterLab from this environment on ``root`` (as root too: a grading server often runs as root).

    Started from this process, JupyterLab inherits the PATH that ``utils/instructor/__init__.py``
    gives it, so nbgrader's extensions find the programs they run by name."""
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root}", *options]
    if os.geteuid() == 0:
        command.append("--allow-root")
    return command


def server_command(root: Path, port: int, no_browser: bool, token: str | None) -> list[str]:
    options = [f"--port={port}", "--ServerApp.default_url=/formgrader"]
    if no_browser:
        options.append("--no-browser")
    if token is not None:
        options.append(f"--IdentityProvider.token={token}")
    return jupyterlab_command(root, *options)


def write_workspace_config(course) -> None:
    """A workspace other than the repository gets an nbgrader_config.py: the course's, pointed at it."""
    from ..paths import ROOT

    if Path(course.root).resolve() == ROOT:
        return
    (Path(course.root) / "nbgrader_config.py").write_text(
        f"c = get_config()  # noqa: F821\n"
        f"load_subconfig({str(ROOT / 'nbgrader_config.py')!r})  # noqa: F821\n"
        f"c.CourseDirectory.root = {str(course.root)!r}\n"
        f"c.CourseDirectory.db_url = {course.db_url!r}\n")


def run(args) -> int:
    from ..gradebook.stage_sources import ensure_gradebook
    from ..paths import Course
    from ..prepare.schedule import ScheduleError

    course = Course(Path(args.root).resolve()) if args.root else Course()
    try:
        ensure_gradebook(course)
    except ScheduleError as error:
        print(f"formgrader: {error}", file=sys.stderr)
        return 2
    write_workspace_config(course)
    command = server_command(Path(course.root), args.port, args.no_browser, args.token)
    print(f"formgrader: http://localhost:{args.port}/formgrader (Ctrl-C stops the server)")
    os.chdir(course.root)
    os.execv(command[0], command)
