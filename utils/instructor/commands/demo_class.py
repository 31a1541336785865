"""demo-class: a sample class with known scores, for rehearsing the term."""

from pathlib import Path

HELP = "generate a sample class with known scores"


def add_arguments(parser) -> None:
    parser.add_argument("--out", default="demo_class")
    parser.add_argument("--students", type=int, default=None, help="default: one per kind of submission")


def run(args) -> int:
    from ..tools.demo_class import make_demo_class

    make_demo_class(Path(args.out), *([args.students] if args.students else []))
    return 0
