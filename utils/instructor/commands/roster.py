"""roster: import the class list (nbgrader's student CSV, or the LMS's Names and Roles) into the gradebook, or list it."""

import sys

HELP = ("import students (id,first_name,last_name,email,lms_user_id) into the gradebook from a CSV or from the LMS "
        "(--from-lms), or list them")


def add_arguments(parser) -> None:
    parser.add_argument("csv", nargs="?", default=None,
                        help="nbgrader student CSV; without it (and without --from-lms), list the gradebook's students")
    parser.add_argument("--from-lms", action="store_true",
                        help="read the course's members from the LMS (LTI 1.3 Names and Role Provisioning Services; "
                             "lti_config.py names the LMS): report who was added, changed and left")
    parser.add_argument("--dry-run", action="store_true", help="with --from-lms: say what would change, change nothing")


def from_lms(dry_run: bool) -> int:
    from ..lms.connection import LmsUnavailable
    from ..lms.platform_settings import LtiNotConfigured
    from ..lms.roster_from_lms import roster_from_lms
    from ..paths import Course

    try:
        changes = roster_from_lms(Course(), dry_run=dry_run)
    except (LtiNotConfigured, LmsUnavailable) as error:
        print(f"roster: the roster is unchanged: {error}", file=sys.stderr)
        return 2
    for line in changes.lines():
        print(line)
    counts = (f"{len(changes.added)} added, {len(changes.changed)} changed, {len(changes.left)} taken off, "
              f"{len(changes.left_with_grades)} left but kept (they have grades)")
    print(f"roster from the LMS{' (dry run: nothing changed)' if dry_run else ''}: {counts}", file=sys.stderr)
    return 0


def run(args) -> int:
    from ..intake.roster import RosterError, gradebook_students, import_roster

    if args.from_lms:
        if args.csv:
            print("roster: give a CSV or --from-lms, not both", file=sys.stderr)
            return 2
        return from_lms(args.dry_run)
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
