"""``make report``: the class report written to ``reports/`` (see ``class_report.py`` for what it holds).

    reports/class_report.html   one page, offline (styles inline, histograms embedded as PNG, no script)
    reports/mistakes.csv        stage,test,mistake,students,share   one row per named mistake per test
    reports/tests.csv           stage,test,passed,wrong,stub,error,timed_out,students
    reports/similarity.csv      stage,student_a,student_b,similarity   most similar first

In ``tests.csv`` every judged student is in exactly one column: a call the exercise forbids
counts as ``wrong``, a hidden test that recorded nothing as ``error`` (the HTML shows all
seven outcomes apart). ``share`` is the share of the students judged on that test.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..record.verdict import OUTCOMES
from ..paths import Course
from .class_report import ClassReport, StageReport, build_class_report
from .similarity import most_similar_first

TEMPLATE = Path(__file__).with_name("report_template")
#: Pairs shown side by side per stage in the HTML (all of them are in similarity.csv).
MAX_PAIRS = 20
#: tests.csv's columns, and the outcomes each one counts.
TEST_COLUMNS = {"passed": ("passed",), "wrong": ("wrong", "forbidden_call"), "stub": ("stub",),
                "error": ("error", "missing_record"), "timed_out": ("timed_out",)}


def histogram_png(stage: StageReport) -> str:
    """The stage's score distribution as a base64 PNG ('' when nothing is graded)."""
    if not stage.scores:
        return ""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 2.4), dpi=100)
    axes = figure.subplots()
    top = stage.max_score or max(stage.scores.values()) or 1.0
    axes.hist(list(stage.scores.values()), bins=min(20, max(5, int(top) + 1)), range=(0, top), color="#4c9f70",
              edgecolor="white")
    axes.set_xlabel(f"points (of {top:g})")
    axes.set_ylabel("students")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_title(f"{stage.stage}: {len(stage.scores)} graded, mean {100 * stage.mean_share:.0f} %", fontsize=10)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def render_html(report: ClassReport, names: bool = False) -> str:
    environment = Environment(loader=FileSystemLoader(TEMPLATE), autoescape=select_autoescape(["html", "j2"]))
    environment.filters["shown"] = lambda student: report.names.get(student, student)
    return environment.get_template("class_report.html.j2").render(
        report=report, names=names, outcomes=OUTCOMES, max_pairs=MAX_PAIRS,
        histograms={stage.stage: histogram_png(stage) for stage in report.stages},
        made=dt.datetime.now().strftime("%Y-%m-%d %H:%M"))


def _write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def write_report(report: ClassReport, folder: Path, names: bool = False) -> list[Path]:
    """The four files of ``reports/`` in ``folder``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    shown = report.names.get
    mistakes = [{"stage": m.stage, "test": m.test, "mistake": m.mistake, "students": len(m.students),
                 "share": round(m.share, 4)} for s in report.stages for m in s.mistakes]
    tests = [{"stage": t.stage, "test": t.test, **{column: sum(t.counts[o] for o in counted)
                                                   for column, counted in TEST_COLUMNS.items()},
              "students": t.students} for s in report.stages for t in s.tests]
    pairs = sorted((p for s in report.stages for p in s.pairs), key=most_similar_first)
    similarity = [{"stage": p.stage, "student_a": shown(p.student_a, p.student_a),
                   "student_b": shown(p.student_b, p.student_b), "similarity": p.similarity} for p in pairs]
    paths = [folder / name for name in ("class_report.html", "mistakes.csv", "tests.csv", "similarity.csv")]
    paths[0].write_text(render_html(report, names), encoding="utf-8")
    _write_csv(paths[1], ["stage", "test", "mistake", "students", "share"], mistakes)
    _write_csv(paths[2], ["stage", "test", *TEST_COLUMNS, "students"], tests)
    _write_csv(paths[3], ["stage", "student_a", "student_b", "similarity"], similarity)
    return paths


def make_report(course: Course = Course(), names: bool = False, log=print) -> list[Path]:
    """Build the class report of ``course`` and write it to ``course.reports``; say what is missing."""
    report = build_class_report(course, names=names)
    paths = write_report(report, course.reports, names)
    for sentence in report.missing:
        log(f"note: {sentence}")
    pairs = sum(len(s.pairs) for s in report.stages)
    log(f"wrote {paths[0]} ({len(report.students)} students, {len(report.top_mistakes)} frequent mistake(s), "
        f"{pairs} similar pair(s) to look at) and its CSV files in {course.reports}")
    return paths
