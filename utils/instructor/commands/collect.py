"""collect: take a folder (or an LMS download .zip) of submissions into submitted/."""

import sys

HELP = "take a folder of submissions (per student, Canvas or Moodle download) into submitted/"


def add_arguments(parser) -> None:
    parser.add_argument("submissions", help="folder of notebooks, zips, or a Canvas/Moodle download (folder or .zip)")
    parser.add_argument("--roster", metavar="CSV", default=None,
                        help="nbgrader student CSV (id,first_name,last_name,email,lms_user_id) to import "
                             "first; maps Canvas/Moodle submitters to student ids (default: the gradebook's)")


def run(args) -> int:
    from ..intake.collect import CollectError, collect
    from ..intake.roster import RosterError

    try:
        report = collect(args.submissions, roster=args.roster)
    except (CollectError, RosterError) as error:
        print(f"collect: {error}", file=sys.stderr)
        return 2
    return 0 if report.collected else 1
