"""lab: JupyterLab on the student notebooks in course/, with nbgrader's extensions working."""

from __future__ import annotations

import os

HELP = "JupyterLab on the student notebooks in course/"


def add_arguments(parser) -> None:
    parser.add_argument("--port", type=int, default=None, help="the server's port (default: Jupyter chooses)")


def run(args) -> int:
    from ..paths import RELEASE
    from .formgrader import jupyterlab_command

    command = jupyterlab_command(RELEASE, *([f"--port={args.port}"] if args.port else []))
    os.execv(command[0], command)
