"""How long autograding takes on this machine (prints figures; asserts nothing).

    python -m utils.instructor.tools.bench_grading [--students 20] [--jobs 1 2] [--before REV] [--sandbox-cost]

1. One student's eight notebooks (the solution notebooks handed in: every hidden test
   runs to the end), graded three ways in one run, side by side: ``make autograde``
   (``autograde_all``, one local Dask worker; and again with every kernel started cold,
   for what the kernels started ahead save), plain ``nbgrader autograde STAGE`` once
   per stage with the course's configuration, and the same notebooks simply executed
   (``jupyter nbconvert --to notebook --execute``, no sandbox, no grading). Aims:
   ``make autograde`` at most 0.5x the plain execution and at most 60 s of worker time
   per student. Each notebook's phases (the worker's own overhead, the kernel's start,
   setup, exercises, hidden tests, other cells) are printed from its NotebookReport.
   The one writer's cost per notebook, before (nbgrader's Autograde run again to record) and after (the
   Gradebook API), side by side, and whether one writer keeps up with 32 workers (``bench_writer.py``).
   The longest wait for a kernel after a worker's first notebook (aim: at most 1 s) and, as root, the memory each
   kernel warming ahead costs (``warm_kernel_memory.py``).
2. The projection for 200 and 2,000 students on W workers, and a class of
   ``--students`` generated submissions (``make demo-class``: correct, partly wrong,
   broken and hostile ones) graded with each ``--jobs`` setting: notebooks per minute.
``--before REV`` also grades the student with the course as it was at git revision REV
(a worktree), ``--sandbox-cost`` also without the sandbox. Everything happens in a
scratch workspace; the repository's gradebook is untouched.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..grading.host.autograde import autograde_all
from ..intake.collect import collect
from .bench_writer import writer_cost
from .warm_kernel_memory import report as report_warm_kernels
from .warm_kernel_memory import warm_kernel_memory
from .demo_class import make_demo_class
from ..nbgrader_cli import run_nbgrader
from ..paths import ROOT, Course, source_notebook, stages

GOAL_WORKER_SECONDS_PER_STUDENT = 60
GOAL_PLAIN_RATIO = 0.5
GOAL_KERNEL_WAIT_SECONDS = 1.0
CLASS_SIZES = (200, 2000)
WORKERS = (1, 2, 8, 32)


def _hand_in_solutions(course: Course, student: str = "bench-student") -> None:
    for stage in stages():
        target = course.submitted / student / stage
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(source_notebook(stage), target / f"{stage}.ipynb")


def one_student_course(workdir: Path, jobs: int = 1, sandbox: bool = True, warm: bool = True) -> Course:
    """The scratch course ``one_student`` grades in."""
    return Course.scratch(workdir / f"one_student_jobs{jobs}_{'sandbox' if sandbox else 'nosandbox'}_{warm}")


def one_student(workdir: Path, jobs: int = 1, sandbox: bool = True, show: bool = False, warm: bool = True) -> dict:
    """Seconds per graded notebook (and ``"total"``, ``"worker"``) to autograde the solution notebooks of one
    student; with ``show``, each notebook's phases from its NotebookReport; ``warm=False``: every kernel started
    cold (no kernel started ahead, see grading/worker/warm_kernels.py)."""
    course = one_student_course(workdir, jobs, sandbox, warm)
    _hand_in_solutions(course)
    autograde_all(course, only_student="nobody", log=lambda *_: None)  # gradebook and expected values first
    started = time.perf_counter()
    results = autograde_all(course, jobs=jobs, sandbox=sandbox, log=lambda *_: None,
                            extra_args=() if warm else ("--ResilientExecute.warm_kernels=False",))
    seconds = time.perf_counter() - started
    label = ("in the sandbox" if sandbox else "WITHOUT sandbox") + ("" if warm or not sandbox else ", cold kernels")
    if show:
        print(f"  {'stage':<26} {'worker':>7} {'of which: nbgrader+judge':>25}  kernel run by phase")
        for result in results:
            report = result.report
            if report is None:
                print(f"  {result.stage:<26} {result.seconds:6.1f} s  FAILED: {result.message}")
                continue
            phases = ", ".join(f"{name} {value:.1f}" for name, value in report.phases.items())
            print(f"  {result.stage:<26} {result.seconds:6.1f} s {result.seconds - report.seconds:23.1f} s  "
                  f"{phases}" + (" (run again in full)" if report.full_rerun else ""))
        waits = [r.report.phases.get("kernel start", 0.0) for r in results[1:] if r.report is not None]
        longest = max(waits, default=0.0)
        print(f"  longest wait for a kernel after the first notebook: {longest:.1f} s "
              f"({'within' if longest <= GOAL_KERNEL_WAIT_SECONDS else 'OVER'} the {GOAL_KERNEL_WAIT_SECONDS:g} s aim)")
    worker_seconds = sum(r.seconds for r in results)
    verdict = "within" if worker_seconds <= GOAL_WORKER_SECONDS_PER_STUDENT else "OVER"
    print(f"one student, {len(results)} notebooks, {jobs} worker(s), {label}: {seconds:.0f} s wall, "
          f"{60 * len(results) / seconds:.1f} notebooks/min, {worker_seconds:.0f} s of worker time "
          f"({verdict} the {GOAL_WORKER_SECONDS_PER_STUDENT} s aim)")
    return {"total": seconds, "worker": worker_seconds, **{r.stage: r.seconds for r in results if r.ok}}


def plain_nbgrader(workdir: Path) -> dict:
    """Seconds per stage of ``nbgrader autograde STAGE`` (its own process each time), with the course's config."""
    course = Course.scratch(workdir / "plain_nbgrader")
    _hand_in_solutions(course)
    autograde_all(course, only_student="nobody", log=lambda *_: None)
    seconds = {}
    for stage in stages():
        started = time.perf_counter()
        run_nbgrader("autograde", stage, "--force", *course.nbgrader_args())
        seconds[stage] = time.perf_counter() - started
    return seconds


def plain_execution(workdir: Path) -> dict:
    """Seconds per stage to simply execute the solution notebook (``jupyter nbconvert --execute``, no sandbox)."""
    folder = workdir / "plain_execution"
    seconds = {}
    for stage in stages():
        (folder / stage).mkdir(parents=True, exist_ok=True)
        notebook = folder / stage / f"{stage}.ipynb"
        shutil.copy(source_notebook(stage), notebook)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--inplace",
                        "--ExecutePreprocessor.timeout=1200", str(notebook)], cwd=ROOT, check=True,
                       capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        seconds[stage] = time.perf_counter() - started
    return seconds


def three_ways(workdir: Path) -> dict:
    """One student's notebooks graded by make autograde, by plain nbgrader, and simply executed: side by side
    (and make autograde with every kernel started cold, for what the warm kernels save)."""
    print("one student's solution notebooks, three ways in one run (seconds):")
    ours = one_student(workdir, 1, sandbox=True, show=True)
    cold = one_student(workdir, 1, sandbox=True, warm=False)
    nbgrader = plain_nbgrader(workdir)
    plain = plain_execution(workdir)
    print(f"  {'stage':<26} {'make autograde':>15} {'(cold kernels)':>15} {'nbgrader autograde':>19} "
          f"{'plain execution':>16}")
    for stage in stages():
        print(f"  {stage:<26} {ours.get(stage, float('nan')):15.1f} {cold.get(stage, float('nan')):15.1f} "
              f"{nbgrader[stage]:19.1f} {plain[stage]:16.1f}")
    total = {"make autograde (worker time)": ours["worker"], "  the same, kernels started cold": cold["worker"],
             "nbgrader autograde": sum(nbgrader.values()), "plain execution": sum(plain.values())}
    for name, seconds in total.items():
        print(f"  {name:<30} {seconds:6.0f} s   {seconds / total['plain execution']:.2f}x the plain execution")
    aim = GOAL_PLAIN_RATIO * total["plain execution"]
    print(f"  aim: make autograde at most {GOAL_PLAIN_RATIO}x the plain execution ({aim:.0f} s) and at most "
          f"{GOAL_WORKER_SECONDS_PER_STUDENT} s per student: "
          f"{'met' if ours['worker'] <= min(aim, GOAL_WORKER_SECONDS_PER_STUDENT) else 'missed'}")
    return ours


def projections(worker_seconds_per_student: float) -> None:
    """Hours to grade a class from the measured worker time per student, on W workers of this speed
    (the one writer records each batch of notebooks in one gradebook session; ``bench_writer.py`` measures it)."""
    for students in CLASS_SIZES:
        hours = [students * worker_seconds_per_student / workers / 3600 for workers in WORKERS]
        print(f"  {students} students: " + ", ".join(f"{h:.1f} h on {w} worker(s)" for h, w in zip(hours, WORKERS)))


def one_student_before(workdir: Path, revision: str) -> float | None:
    """The same student graded by the course as it was at ``revision`` (its own code, config and notebooks)."""
    tree = workdir / "before"
    made = subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), revision],
                          capture_output=True, text=True)
    if made.returncode != 0:
        print(f"could not check out {revision}: {made.stderr.strip()}")
        return None
    try:
        code = ("import shutil, time; from pathlib import Path\n"
                "try:\n"
                "    from utils.instructor.grading.host.autograde import autograde_all\n"
                "except ImportError:  # a revision before grading/ was split into host/ and worker/\n"
                "    from utils.instructor.grading.autograde import autograde_all\n"
                "from utils.instructor.paths import SOURCE, Course, stages\n"
                f"course = Course.scratch(Path({str(workdir / 'one_student_before')!r}))\n"
                "for stage in stages():\n"
                "    target = course.submitted / 'bench-student' / stage\n"
                "    target.mkdir(parents=True, exist_ok=True)\n"
                "    shutil.copy(SOURCE / stage / f'{stage}.ipynb', target / f'{stage}.ipynb')\n"
                "autograde_all(course, only_student='nobody', log=lambda *_: None)\n"
                "started = time.perf_counter()\n"
                "results = autograde_all(course, log=lambda *_: None)\n"
                "print(time.perf_counter() - started, sum(r.ok for r in results))\n")
        done = subprocess.run([sys.executable, "-c", code], cwd=tree, capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(tree)})
        if done.returncode != 0:
            print(f"grading with {revision} failed: {done.stderr.strip()[-500:]}")
            return None
        seconds, graded = done.stdout.split()[-2:]
        print(f"one student, {graded} notebooks graded by the course at {revision}, 1 job: {float(seconds):.0f} s")
        return float(seconds)
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], capture_output=True)


def whole_class(workdir: Path, students: int, jobs: int) -> float:
    course = Course.scratch(workdir / f"class_jobs{jobs}")
    submissions = make_demo_class(workdir / f"demo_class_jobs{jobs}", students, log=lambda *_: None)
    collect(submissions, course, log=lambda *_: None)
    started = time.perf_counter()
    results = autograde_all(course, jobs=jobs, log=lambda *_: None)
    seconds = time.perf_counter() - started
    failed = sum(not r.ok for r in results)
    print(f"class of {students} ({len(results)} gradable notebooks), {jobs} job(s): {seconds:.0f} s, "
          f"{60 * len(results) / seconds:.1f} notebooks/min, {seconds / max(len(results), 1):.1f} s per notebook"
          + (f", {failed} not gradable" if failed else ""))
    return seconds


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=20, help="size of the generated class (0: no class)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--before", metavar="REV", help="also grade the student with the course at this git revision")
    parser.add_argument("--sandbox-cost", action="store_true", help="also grade the student without the sandbox")
    args = parser.parse_args(argv)
    print(f"autograding benchmark on {os.cpu_count()} CPU core(s)")
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as scratch:
        workdir = Path(scratch)
        if args.before:
            one_student_before(workdir, args.before)
        sandboxed = three_ways(workdir)
        if os.geteuid() == 0:
            print(report_warm_kernels(warm_kernel_memory()))
        writer_cost(one_student_course(workdir), "bench-student", workdir)
        if args.sandbox_cost:
            bare = one_student(workdir, 1, sandbox=False)
            cost = [sandboxed[s] - bare[s] for s in stages() if s in sandboxed and s in bare]
            print(f"the sandbox costs {sum(cost) / max(len(cost), 1):+.1f} s per notebook on average "
                  f"({sum(cost):+.0f} s for the {len(cost)} notebooks graded both ways)")
        workers = {1: sandboxed}
        for jobs in args.jobs:
            if jobs != 1:
                workers[jobs] = one_student(workdir, jobs)
        print(f"projected, from {sandboxed['worker']:.0f} s of worker time per student ({len(stages())} notebooks):")
        projections(sandboxed["worker"])
        timings = {jobs: whole_class(workdir, args.students, jobs) for jobs in args.jobs} if args.students else {}
    for name, runs in (("one student", {j: w["total"] for j, w in workers.items()}), ("the class", timings)):
        if len(runs) > 1:
            base = runs[min(runs)]
            for jobs, seconds in sorted(runs.items()):
                print(f"  {name}, {jobs} worker(s): {base / seconds:.2f}x the speed of {min(runs)} worker(s)")
    print("Grading runs on Dask: `make autograde JOBS=n` starts n local workers; `make autograde "
          "SCHEDULER=tcp://host:8786` uses an existing cluster's workers.")


if __name__ == "__main__":
    main()
