"""python -m utils.instructor <command>: the instructor's workflow (the Makefile wraps each command).

Each command is one entry of ``COMMANDS``, the way nbgrader keeps its subcommand
table: a module under ``utils.instructor.commands`` with ``HELP``, an optional
``add_arguments(parser)`` and ``run(args) -> int``. A command that wraps another program
names it in ``PASSES_OPTIONS_TO``: the options it does not know itself go to that program,
in ``args.passed_options`` (``lab --ip 0.0.0.0 --no-browser``); any other command refuses them.
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
    "extension": "extension",
    "extensions": "extensions",
    "hub": "hub",
    "release-to-class": "release_to_class",
    "lti-keys": "lti_keys",
}


def _command(module: str):
    return importlib.import_module(f"utils.instructor.commands.{module}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m utils.instructor", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name, module in COMMANDS.items():
        command = _command(module)
        passes_to = getattr(command, "PASSES_OPTIONS_TO", None)
        sub = subparsers.add_parser(name, help=command.HELP, description=command.HELP, allow_abbrev=not passes_to,
                                    epilog=passes_to and f"Any other option goes to {passes_to} unchanged.")
        if hasattr(command, "add_arguments"):
            command.add_arguments(sub)
    args, unknown = parser.parse_known_args(argv)
    command = _command(COMMANDS[args.command])
    if unknown and not getattr(command, "PASSES_OPTIONS_TO", None):
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    args.passed_options = unknown
    return command.run(args) or 0


if __name__ == "__main__":
    sys.exit(main())
