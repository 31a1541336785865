"""lab: JupyterLab on the student notebooks in course/, with the course's JupyterLab settings and nbgrader's
extensions working.

Every option but ``--port`` goes to JupyterLab unchanged, so a shared or remote server gets what it needs:
``python -m utils.instructor lab --ip 0.0.0.0 --port 8890 --no-browser`` (``make lab ARGS="..."``). The server
reads the course's settings (``utils/jupyter_config``: no news prompt over the course), first on
``JUPYTER_CONFIG_PATH``.
"""

from __future__ import annotations

import os

HELP = "JupyterLab on the student notebooks in course/ (any of JupyterLab's own options too: --ip, --no-browser, ...)"
PASSES_OPTIONS_TO = "JupyterLab"


def add_arguments(parser) -> None:
    parser.add_argument("--port", type=int, default=None, help="the server's port (default: Jupyter chooses)")


def run(args) -> int:
    from utils.jupyter_config import environment

    from ..paths import RELEASE
    from .formgrader import jupyterlab_command

    port = [f"--port={args.port}"] if args.port else []
    command = jupyterlab_command(RELEASE, *port, *args.passed_options)
    os.execve(command[0], command, environment())
