"""collect: take a folder (or an LMS download .zip) of submissions into submitted/."""

import sys

HELP = ("take the hub's exchange (no SUBMISSIONS), or a folder of submissions (per student, Canvas or Moodle "
        "download), into submitted/")


def add_arguments(parser) -> None:
    parser.add_argument("submissions", nargs="?", default=None,
                        help="folder of notebooks, zips, or a Canvas/Moodle download (folder or .zip); without it, "
                             "the hand-ins in the hub's exchange (make hub)")
    parser.add_argument("--roster", metavar="CSV", default=None,
                        help="nbgrader student CSV (id,first_name,last_name,email,lms_user_id) to import "
                             "first; maps Canvas/Moodle submitters to student ids (default: the gradebook's)")


def run(args) -> int:
    from ..intake.collect import CollectError, collect
    from ..intake.roster import RosterError
    from ..prepare.schedule import ScheduleError

    try:
        if args.submissions is None:
            from ..hub.exchange import ClassExchange
            from ..hub.settings import hub_settings

            settings = hub_settings()
            report = collect(None, settings.course, roster=args.roster, exchange=ClassExchange(settings.exchange_root),
                             max_handin_bytes=settings.max_handin_mb << 20)
        else:
            report = collect(args.submissions, roster=args.roster)
    except (CollectError, RosterError, ScheduleError) as error:
        print(f"collect: {error}", file=sys.stderr)
        return 2
    return 0 if report.collected or report.unchanged else 1
