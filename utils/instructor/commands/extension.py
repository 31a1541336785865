"""extension: give one student more days for one stage (nbgrader's SubmittedAssignment.extension), or take it back.

    python -m utils.instructor extension --student jsmith --stage 01_vanilla_gradients --days 2
    make extension STUDENT=jsmith STAGE=01_vanilla_gradients DAYS=2      (REMOVE=1 takes it back)
"""

from __future__ import annotations

import sys

HELP = "give one student DAYS more days for one stage (replaces their earlier extension), or --remove it"

USAGE = "make extension STUDENT=<student id> STAGE=<stage> DAYS=<days, e.g. 2 or 1.5>   (REMOVE=1 takes it back)"


def add_arguments(parser) -> None:
    parser.add_argument("--student", default="", help="the student's id (as in the roster)")
    parser.add_argument("--stage", default="", help="the stage, e.g. 01_vanilla_gradients")
    parser.add_argument("--days", default="", help="how many days more than the due date (positive; 1.5 is fine)")
    parser.add_argument("--remove", action="store_true", help="take the student's extension for the stage back")


def _when(moment) -> str:
    return "no due date" if moment is None else f"{moment:%Y-%m-%d %H:%M} UTC"


def run(args) -> int:
    from ..gradebook.extensions import ExtensionError, grant_extension, remove_extension
    from ..prepare.schedule import ScheduleError

    missing = [name for name, value in (("STUDENT", args.student), ("STAGE", args.stage)) if not value.strip()]
    if not args.remove and not str(args.days).strip():
        missing.append("DAYS")
    if missing:
        print(f"extension: {' and '.join(missing)} missing; usage: {USAGE}", file=sys.stderr)
        return 2
    try:
        if args.remove:
            before = remove_extension(args.student, args.stage)
            print(f"{args.student} {args.stage}: " + (f"extension of {before.total_seconds() / 86400:g} days taken back"
                                                      if before else "had no extension; nothing changed"))
            return 0
        granted = grant_extension(args.student, args.stage, args.days)
    except (ExtensionError, ScheduleError) as error:
        print(f"extension: {error}", file=sys.stderr)
        return 2
    print(f"{granted.student} {granted.stage}: extension of {granted.days:g} days; due {_when(granted.due)}, "
          f"{granted.student}'s deadline {_when(granted.deadline)}"
          + (f"; handed in {_when(granted.handed_in)}, late penalty now {granted.late_penalty:g} points"
             if granted.handed_in else "; not handed in yet"))
    if granted.due is None:
        print(f"note: {granted.stage} has no due date in schedule.csv, so the extension changes nothing until it "
              "has one")
    return 0
