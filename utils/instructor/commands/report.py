"""report: what the class got wrong and which hand-ins look alike, in reports/ (class_report.html and CSV files)."""

HELP = "the class report in reports/: scores, tests, the judge's classic mistakes, similar hand-ins"


def add_arguments(parser) -> None:
    parser.add_argument("--names", action="store_true", help="show students' names (from the roster), not their ids")


def run(args) -> int:
    from ..results.report_page import make_report

    make_report(names=args.names)
    return 0
