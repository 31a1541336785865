"""student-bundle: the archive students download (no answer key, no hidden tests)."""

from pathlib import Path

HELP = "write dist/xai-course-student.tar.gz"


def add_arguments(parser) -> None:
    parser.add_argument("--out", default="dist", help="folder for the archive (default dist/)")


def run(args) -> int:
    from ..prepare.bundle import build_student_bundle

    build_student_bundle(Path(args.out))
    return 0
