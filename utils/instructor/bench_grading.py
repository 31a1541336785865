"""How long autograding takes on this machine (prints figures; asserts nothing).

    python -m utils.instructor.bench_grading [--students 20] [--jobs 1 2]

1. One student's seven notebooks: the solution notebooks handed in as a
   submission (the slowest case: every hidden test runs to the end). Goal: <= 3 min.
2. A class of ``--students`` generated submissions (``make demo-class``: correct,
   partly wrong, broken and hostile ones), graded with each ``--jobs`` setting.
Everything happens in a scratch workspace; the repository's gradebook is untouched.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from .autograde import autograde_all
from .collect import collect
from .demo_class import make_demo_class
from .paths import SOURCE, Course, stages

GOAL_ONE_STUDENT_S = 180


def one_student(workdir: Path, jobs: int = 1) -> float:
    course = Course.scratch(workdir / f"one_student_jobs{jobs}")
    for stage in stages():
        target = course.submitted / "bench-student" / stage
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(SOURCE / stage / f"{stage}.ipynb", target / f"{stage}.ipynb")
    started = time.perf_counter()
    results = autograde_all(course, jobs=jobs, log=lambda *_: None)
    seconds = time.perf_counter() - started
    for result in results if jobs == 1 else ():
        print(f"  {result.stage:<28} {result.seconds:6.1f} s  {'graded' if result.ok else 'FAILED: ' + result.message}")
    verdict = "within" if seconds <= GOAL_ONE_STUDENT_S else "OVER"
    print(f"one student, {len(results)} notebooks, {jobs} job(s): {seconds:.0f} s "
          f"({verdict} the {GOAL_ONE_STUDENT_S} s goal)")
    return seconds


def whole_class(workdir: Path, students: int, jobs: int) -> float:
    course = Course.scratch(workdir / f"class_jobs{jobs}")
    submissions = make_demo_class(workdir / f"demo_class_jobs{jobs}", students, log=lambda *_: None)
    collect(submissions, course, log=lambda *_: None)
    started = time.perf_counter()
    results = autograde_all(course, jobs=jobs, log=lambda *_: None)
    seconds = time.perf_counter() - started
    failed = sum(not r.ok for r in results)
    print(f"class of {students} ({len(results)} gradable notebooks), {jobs} job(s): {seconds:.0f} s, "
          f"{seconds / max(len(results), 1):.1f} s per notebook" + (f", {failed} not gradable" if failed else ""))
    return seconds


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args(argv)
    print(f"autograding benchmark on {os.cpu_count()} CPU core(s)")
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as scratch:
        workdir = Path(scratch)
        for jobs in args.jobs:
            one_student(workdir, jobs)
        timings = {jobs: whole_class(workdir, args.students, jobs) for jobs in args.jobs}
    if len(timings) > 1:
        base = timings[min(timings)]
        for jobs, seconds in sorted(timings.items()):
            print(f"  {jobs} job(s): {base / seconds:.2f}x the speed of {min(timings)} job(s)")
    print("Parallel grading: `make autograde JOBS=n` runs n notebooks at once (separate nbgrader processes; "
          "writes to the SQLite gradebook are retried when it is busy).")


if __name__ == "__main__":
    main()
