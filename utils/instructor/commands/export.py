"""export: grades in the format an LMS imports (Canvas gradebook CSV, Moodle grading worksheet), sent to the LMS
(LTI 1.3 Assignment and Grade Services), or the course's table.

Runs nbgrader's own ``nbgrader export`` with the course's export plugin, e.g.
``python -m utils.instructor export --format canvas --to canvas.csv`` or
``python -m utils.instructor export --format lti --dry-run``.
"""

from __future__ import annotations

HELP = ("export grades for Canvas or Moodle (empty cells: not final yet), send them to the LMS (lti), "
        "or the grade table")

PLUGINS = {
    "canvas": "utils.instructor.results.export_canvas.CanvasExportPlugin",
    "moodle": "utils.instructor.results.export_moodle.MoodleExportPlugin",
    "csv": "utils.instructor.results.export_table.GradeTableExportPlugin",
    "lti": "utils.instructor.results.export_lti.LtiExportPlugin",
}
DEFAULT_TO = {"canvas": "canvas_grades.csv", "moodle": "moodle_grades.csv", "csv": "grades.csv",
              "lti": "lti_scores.csv"}


def add_arguments(parser) -> None:
    parser.add_argument("--format", choices=sorted(PLUGINS), default="canvas",
                        help="canvas: Canvas gradebook import CSV; moodle: one Moodle grading worksheet per stage; "
                             "lti: send the final grades to the LMS (LTI 1.3 Assignment and Grade Services; lti_config.py "
                             "names it); csv: the grade table with statuses (default canvas)")
    parser.add_argument("--to", help="file to write (default canvas_grades.csv, moodle_grades.csv, grades.csv, or for lti "
                                     "lti_scores.csv: what happened to each grade; moodle with several stages writes "
                                     "<stem>_<stage>.csv beside it)")
    parser.add_argument("--dry-run", action="store_true", help="lti: say what would be sent, send nothing")
    parser.add_argument("--assignment", action="append", default=[], metavar="STAGE",
                        help="only this stage (repeat for more; default every stage in the gradebook)")
    parser.add_argument("--student", action="append", default=[], metavar="ID", help="only this student (repeat)")


def nbgrader_arguments(args, course) -> list[str]:
    """The ``nbgrader export`` command line for ``args`` on ``course``."""
    from pathlib import Path

    to = Path(args.to or DEFAULT_TO[args.format]).resolve()
    return ["export", f"--exporter={PLUGINS[args.format]}", f"--to={to}", *course.nbgrader_args(),
            *(f"--ExportPlugin.assignment={a}" for a in args.assignment),
            *(f"--ExportPlugin.student={s}" for s in args.student),
            *(["--LtiExportPlugin.dry_run=True"] if getattr(args, "dry_run", False) else [])]


def run(args) -> int:
    from ..nbgrader_cli import run_nbgrader
    from ..paths import Course

    course = Course()
    if not course.has_gradebook():
        print(f"export: no gradebook at {course.gradebook}; run make autograde first")
        return 2
    done = run_nbgrader(*nbgrader_arguments(args, course), check=False, capture=False)
    return done.returncode or 0
