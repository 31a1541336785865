"""What the hub tells the students' and the instructors' servers: nbgrader's exchange and who sees formgrader.

Written into the hub's state folder when a server starts, from ``CourseHub``; a student's server reads
``student/`` (bound read-only into its sandbox), an instructor's reads ``instructor/``; both then read the
course's JupyterLab settings (``utils/jupyter_config``: no news prompt, no update check), as ``make lab`` does
(:func:`config_path`). Students get nbgrader's Assignments tab and validation, not formgrader, the course list
or the assignment creator (their server extensions are off and their JupyterLab plugins disabled).
"""

from __future__ import annotations

import json
from pathlib import Path

from .settings import COURSE_ID, EXCHANGE_IN_SANDBOX, CourseHub

INSTRUCTOR_ONLY_SERVER_EXTENSIONS = ("nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list")
INSTRUCTOR_ONLY_LAB_PLUGINS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:course-list",
                               "@jupyter/nbgrader:create-assignment")


def config_path(own: str) -> str:
    """``JUPYTER_CONFIG_PATH`` for a hub server: its own folder, then the course's JupyterLab settings."""
    from utils.jupyter_config import CONFIG_DIR

    return f"{own}:{CONFIG_DIR}"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o644)


def write_student_config(settings: CourseHub) -> Path:
    """``<state>/student/``: nbgrader pointed at the exchange as the sandbox shows it, JupyterLab quiet."""
    folder = settings.state / "student"
    _write(folder / "nbgrader_config.py",
           "c = get_config()  # noqa: F821  (written by the course's hub: utils/instructor/hub/jupyter_config.py)\n"
           f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
           f"c.Exchange.root = {EXCHANGE_IN_SANDBOX!r}\n"
           "c.Exchange.path_includes_course = False\n"
           f"c.CourseDirectory.max_file_size = {settings.max_handin_mb * 1024}  # kB\n")
    server = {"ServerApp": {"jpserver_extensions": {name: False for name in INSTRUCTOR_ONLY_SERVER_EXTENSIONS}}}
    _write(folder / "jupyter_server_config.json", json.dumps(server, indent=1))
    disabled = {name: True for name in INSTRUCTOR_ONLY_LAB_PLUGINS}
    _write(folder / "labconfig" / "page_config.json", json.dumps({"disabledExtensions": disabled}, indent=1))
    for path in (folder, folder / "labconfig"):
        path.chmod(0o755)
    return folder


def write_instructor_config(settings: CourseHub) -> Path:
    """``<state>/instructor/``: nbgrader's exchange at its host path; formgrader's Collect and Release Feedback
    buttons do what ``make collect`` and ``make feedback`` do."""
    folder = settings.state / "instructor"
    _write(folder / "nbgrader_config.py",
           "c = get_config()  # noqa: F821  (written by the course's hub: utils/instructor/hub/jupyter_config.py)\n"
           f"c.Exchange.root = {settings.exchange_root!r}\n"
           "c.Exchange.path_includes_course = False\n"
           "c.ExchangeFactory.release_feedback = 'utils.instructor.hub.exchange.PerStudentReleaseFeedback'\n"
           "c.ExchangeFactory.collect = 'utils.instructor.hub.formgrader_collect.CourseCollect'\n")
    return folder
