"""roster: import the class list (nbgrader's student CSV) into the gradebook, or list it."""

import sys

HELP = "import students (id,first_name,last_name,email,lms_user_id) into the gradebook, or list them"


def add_arguments(parser) -> None:
    parser.add_argument("csv", nargs="?", default=None,
                        help="nbgrader student CSV; without it, list the gradebook's students")


def run(args) -> int:
    from ..intake.roster import RosterError, gradebook_students, import_roster

    if args.csv is None:
        students = gradebook_students()
        for s in students:
            name = " ".join(part for part in (s.first_name, s.last_name) if part) or "(no name)"
            print(f"{s.id}\t{name}\t{s.email or ''}\t{s.lms_user_id or ''}")
        print(f"{len(students)} student(s) in the gradebook", file=sys.stderr)
        return 0
    try:
        students = import_roster(args.csv)
    except RosterError as error:
        print(f"roster: {error}", file=sys.stderr)
        return 2
    with_lms = sum(1 for s in students if s.lms_user_id)
    print(f"imported {len(students)} student(s) into the gradebook ({with_lms} with an lms_user_id)")
    return 0
