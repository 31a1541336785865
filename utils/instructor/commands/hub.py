"""hub: serve the class from this machine (JupyterHub, the roster's login, the Assignments tab, formgrader)."""

from __future__ import annotations

import os
import sys

HELP = "serve the class from this machine: JupyterHub with the roster's login, nbgrader's Assignments tab, formgrader"
PASSES_OPTIONS_TO = "JupyterHub"  # e.g. --CourseHub.idle_timeout=1800 (see utils/instructor/__main__.py)


def add_arguments(parser) -> None:
    parser.add_argument("--ip", default="", help="the address the class connects to (default: every interface)")
    parser.add_argument("--port", type=int, default=8000, help="the class's port (default 8000)")


def run(args) -> int:
    from ..hub.launch import HubLaunch, HubPorts, HubRefused
    from ..paths import Course

    launch = HubLaunch(Course().root, HubPorts(args.ip, args.port), list(args.passed_options))
    try:
        launch.prepare()
    except HubRefused as error:
        print(f"hub: {error}", file=sys.stderr)
        return 2
    command = launch.command()
    print(f"hub: the class connects to http://{args.ip or '<this machine>'}:{args.port}/ (Ctrl-C stops the hub; "
          "the students' servers keep running until the next start or the idle culler)")
    os.execv(command[0], command)
