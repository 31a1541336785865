"""python -m utils.instructor <command>: the instructor's workflow (the Makefile wraps each command)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m utils.instructor", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("release", help="regenerate course/ from solutions/")
    bundle = commands.add_parser("student-bundle", help="write dist/xai-course-student.tar.gz")
    bundle.add_argument("--out", default="dist")
    collect = commands.add_parser("collect", help="take a folder of submissions into submitted/")
    collect.add_argument("submissions")
    autograde = commands.add_parser("autograde", help="autograde every collected submission")
    autograde.add_argument("--stage")
    autograde.add_argument("--student")
    autograde.add_argument("--jobs", type=int, default=1, help="notebooks graded at once (default 1)")
    autograde.add_argument("--force", action="store_true",
                           help="grade again notebooks already graded from the same files by the same grader")
    autograde.add_argument("--no-sandbox", action="store_true",
                           help="grade without the bubblewrap sandbox (submissions can then read and change "
                                "everything you can; the grade table says so)")
    commands.add_parser("grades", help="export grades.csv (one row per student)")
    commands.add_parser("feedback", help="HTML feedback per student in feedback/")
    demo = commands.add_parser("demo-class", help="generate a sample class with known scores")
    demo.add_argument("--out", default="demo_class")
    demo.add_argument("--students", type=int, default=None, help="default: one per kind of submission")
    args = parser.parse_args(argv)

    if args.command == "release":
        from .release import generate_release

        generate_release()
    elif args.command == "student-bundle":
        from .bundle import build_student_bundle

        build_student_bundle(Path(args.out))
    elif args.command == "collect":
        from .collect import collect

        report = collect(args.submissions)
        return 0 if report.collected else 1
    elif args.command == "autograde":
        from .autograde import autograde_all

        from .sandbox import SandboxUnavailable

        started = time.perf_counter()
        try:
            results = autograde_all(only_stage=args.stage, only_student=args.student, jobs=args.jobs,
                                    sandbox=not args.no_sandbox, force=args.force)
        except SandboxUnavailable as error:
            print(f"autograde refused: {error}", file=sys.stderr)
            return 2
        failed = [r for r in results if not r.ok]
        print(f"autograded {len(results) - len(failed)} of {len(results)} notebooks in "
              f"{time.perf_counter() - started:.0f} s" + (f"; {len(failed)} could not be graded" if failed else ""))
    elif args.command == "grades":
        from .grades import export_grades

        export_grades()
    elif args.command == "feedback":
        from .feedback import generate_feedback

        generate_feedback()
    elif args.command == "demo-class":
        from .demo_class import make_demo_class

        make_demo_class(Path(args.out), *([args.students] if args.students else []))
    return 0


if __name__ == "__main__":
    sys.exit(main())
