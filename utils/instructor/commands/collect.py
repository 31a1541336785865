"""collect: take a folder of submissions into submitted/."""

HELP = "take a folder of submissions into submitted/"


def add_arguments(parser) -> None:
    parser.add_argument("submissions", help="folder of notebooks, zips, or an LMS download")


def run(args) -> int:
    from ..collect import collect

    report = collect(args.submissions)
    return 0 if report.collected else 1
