"""python -m utils.instructor <command>: the instructor's workflow (the Makefile wraps each command).

Each command is one entry of ``COMMANDS``, the way nbgrader keeps its subcommand
table: a module under ``utils.instructor.commands`` with ``HELP``, an optional
``add_arguments(parser)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = {
    "release": "release",
    "student-bundle": "student_bundle",
    "collect": "collect",
    "roster": "roster",
    "autograde": "autograde",
    "grades": "grades",
    "report": "report",
    "formgrader": "formgrader",
    "lab": "lab",
    "feedback": "feedback",
    "demo-class": "demo_class",
    "export": "export",
}


def _command(module: str):
    return importlib.import_module(f"utils.instructor.commands.{module}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m utils.instructor", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name, module in COMMANDS.items():
        command = _command(module)
        sub = subparsers.add_parser(name, help=command.HELP, description=command.HELP)
        if hasattr(command, "add_arguments"):
            command.add_arguments(sub)
    args = parser.parse_args(argv)
    return _command(COMMANDS[args.command]).run(args) or 0


if __name__ == "__main__":
    sys.exit(main())
