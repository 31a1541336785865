"""How many students the class's hub holds: a class arrives, fetches stage 01 and runs it (prints figures).

    sudo .venv/bin/python -m utils.instructor.tools.bench_hub [--students 4] [--arrival 10] [--class-size 200]
    sudo make bench-hub [STUDENTS=4]

A real hub, started as ``make hub`` starts it, on a scratch course and free ports of 127.0.0.1
(``scratch_hub.ScratchHub``), with ``--students`` simulated students on its roster (bench01, bench02, …).
They arrive within ``--arrival`` seconds, each in a thread, without a browser (``hub_client``): each
signs up and logs in through the hub's forms, starts their server through the hub's REST API, fetches
01_vanilla_gradients through nbgrader's handler (what the Assignments tab's "Fetch" button calls),
reads the fetched notebook through Jupyter's contents API, and in a kernel (over its websocket)
runs its setup cell, then the exercise with a correct solution (the solution cell of
``solutions/01_vanilla_gradients``) followed by the exercise's own check cell.

Measured on the host with psutil (``process_footprint``), per student (everything their uid runs):
resident memory (USS and PSS from smaps as root, RSS otherwise; the table says which) and CPU
seconds with the server idle and with stage 01 open, the highest RSS while their cells ran, the CPU
an idle student with stage 01 open keeps busy (over ``--idle-window`` seconds, every student open
at once), and the time from pressing "log in" to the setup cell's result. From these
(``hub_capacity``): how many students this machine holds with stage 01 open, bound by memory and
by CPU, for a share of the class running a cell at the same moment, and the machine a class of
``--class-size`` needs. On leaving, the hub and every student's processes are stopped and the
students' accounts removed. Needs root, bubblewrap and useradd, like ``make hub``.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import pwd
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import nbformat
import psutil

from ..paths import source_notebook
from .hub_capacity import (CORE_COUNTS, GIB, MEMORY_SIZES_GIB, Assumptions, Machine, StudentCost, machine_for,
                           next_size, students_held)
from .process_footprint import (Footprint, PeakResidentSampler, footprint, footprint_of_uid, hub_processes)

STAGE = "01_vanilla_gradients"
COURSE_ID = "xai-gradients"
SETUP_CELL = "setup"                                   # nbgrader grade_id of the stage's setup cell
EXERCISE_CELL = "vanilla_gradients"                    # the exercise's solution cell
EXERCISE_CHECK_CELL = "test_vanilla_gradients_form"    # the check a student runs after it
MAX_STUDENTS = 40
#: The operating system's own share of memory, kept out of the students' (the hub's is measured).
SYSTEM_RESERVE_BYTES = 2 * GIB
RUNNING_SHARES = (0.1, 0.25, 0.5)
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


class BenchmarkError(RuntimeError):
    """The benchmark cannot run here, or a simulated student met something a real one would not."""


@dataclass(frozen=True)
class StudentRun:
    """One simulated student, from the login form to stage 01 open."""

    name: str
    uid: int | None = None
    seconds: dict[str, float] = field(default_factory=dict)   # per phase: login, server, fetch, kernel, setup, exercise
    login_to_first_result: float | None = None                 # "log in" pressed → the setup cell's result
    idle: Footprint | None = None          # their server started, nothing open
    opened: Footprint | None = None        # stage 01 open (setup and exercise run); measured with every student open
    cpu_to_open: float | None = None       # CPU seconds from server ready to the exercise's result
    peak_rss: int = 0                      # highest RSS of all their processes together during the run
    idle_cores: float | None = None        # cores their processes kept busy at rest with stage 01 open
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and self.opened is not None


@dataclass(frozen=True)
class HubBenchmark:
    runs: list[StudentRun]
    hub: Footprint                  # JupyterHub, its proxy, the culler, the sandboxes' root-owned parents
    arrival: float                  # seconds within which the students arrived
    idle_window: float              # seconds over which the idle CPU was measured
    machine: Machine                # this machine: total memory, CPU cores
    load: tuple[float, float, float]

    @property
    def ok_runs(self) -> list[StudentRun]:
        return [run for run in self.runs if run.ok]

    def cost(self) -> StudentCost:
        """What one student with stage 01 open costs, averaged over the students who got there."""
        runs = self.ok_runs
        if not runs:
            raise BenchmarkError("no simulated student got stage 01 open; nothing to project from")
        unique = sum(run.opened.unique for run in runs) / len(runs)
        transient = sum(max(0, run.peak_rss - run.opened.rss) for run in runs) / len(runs)
        idle_cores = sum(run.idle_cores or 0.0 for run in runs) / len(runs)
        return StudentCost(round(unique), sum(run.opened.shared_share for run in runs), round(transient), idle_cores)

    def assumptions(self, running_share: float) -> Assumptions:
        return Assumptions(running_share, SYSTEM_RESERVE_BYTES + self.hub.unique)


@dataclass(frozen=True)
class StageCells:
    """What a student runs: the fetched notebook's setup and check cells, and a correct solution of the exercise."""

    setup: str
    exercise: str
    check: str


def _cell(notebook: dict, grade_id: str, where: str) -> str:
    for cell in notebook["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            source = cell["source"]
            return "".join(source) if isinstance(source, list) else source
    raise BenchmarkError(f"{where} has no cell with nbgrader grade_id {grade_id!r}")


def correct_solution() -> str:
    """The exercise's solution cell from ``solutions/``, as a student who solved it would have typed it."""
    notebook = nbformat.read(source_notebook(STAGE), as_version=4)
    source = _cell(notebook, EXERCISE_CELL, str(source_notebook(STAGE)))
    return "\n".join(line for line in source.splitlines() if line.strip() not in SOLUTION_MARKERS)


def simulate_student(student, solution: str, peaks: PeakResidentSampler, settle: float = 2.0) -> StudentRun:
    """One student at the hub: log in, start the server, fetch stage 01, run its setup cell and the exercise.

    ``student`` is a signed-up ``hub_client.HubStudent``. Leaves the kernel running (stage 01 stays open)."""
    from websocket import WebSocketException

    from .hub_client import HubClientError

    seconds: dict[str, float] = {}
    run = StudentRun(student.name)

    def timed(phase: str, action: Callable):
        started = time.perf_counter()
        result = action()
        seconds[phase] = time.perf_counter() - started
        return result

    try:
        started = time.perf_counter()
        timed("login", student.log_in)
        timed("server", student.start_server)
        uid = pwd.getpwnam(student.name).pw_uid
        peaks.watch(uid)
        time.sleep(settle)                                  # JupyterLab done answering its first requests
        idle = footprint_of_uid(uid)
        run = replace(run, uid=uid, idle=idle)
        answer = timed("fetch", lambda: student.server_api(
            "POST", "assignments/fetch", data={"course_id": COURSE_ID, "assignment_id": STAGE}))
        listed = answer.json() if answer.status_code == 200 else {}
        status = {a.get("assignment_id"): a.get("status") for a in listed.get("value", [])}
        if status.get(STAGE) != "fetched":
            raise BenchmarkError(f"fetching {STAGE} through nbgrader's handler: HTTP {answer.status_code}, "
                                 f"{listed.get('value', answer.text[:300])}")
        page = student.server_api("GET", f"api/contents/{STAGE}/{STAGE}.ipynb")
        if page.status_code != 200:
            raise BenchmarkError(f"the fetched notebook is not in {student.name}'s home: HTTP {page.status_code}")
        fetched = page.json()["content"]
        where = f"{student.name}'s fetched {STAGE}.ipynb"
        cells = StageCells(_cell(fetched, SETUP_CELL, where), solution, _cell(fetched, EXERCISE_CHECK_CELL, where))
        kernel = timed("kernel", student.kernel)
        for phase, code in (("setup", cells.setup), ("exercise", cells.exercise + "\n\n" + cells.check)):
            result = timed(phase, lambda: kernel.run(code))
            if result.status != "ok":
                raise BenchmarkError(f"{student.name}'s {phase} cell failed: {result.error or result.stderr[-300:]}")
            if phase == "setup":
                run = replace(run, login_to_first_result=time.perf_counter() - started)
        kernel.socket.close()                               # the kernel keeps running: stage 01 stays open
        opened = footprint_of_uid(uid)
        return replace(run, seconds=seconds, cpu_to_open=opened.cpu_seconds - idle.cpu_seconds)
    except (BenchmarkError, HubClientError, OSError, ValueError, KeyError, WebSocketException) as error:
        return replace(run, seconds=seconds, error=f"{type(error).__name__}: {error}")


def _check_can_run(students: int) -> None:
    if not 1 <= students <= MAX_STUDENTS:
        raise BenchmarkError(f"--students must be between 1 and {MAX_STUDENTS}: each simulated student holds "
                             "EfficientNet-Lite0 in a kernel of their own on this one machine")
    if os.geteuid() != 0:
        raise BenchmarkError("bench-hub starts a real hub, which must run as root: it makes a system account per "
                             "simulated student and starts each one's server as that account (sudo make bench-hub)")


def _class_arrives(hub, names: list[str], solution: str, pool, arrival: float, idle_window: float,
                   timeout: float) -> list[StudentRun]:
    """Every student signs up, then arrives in a thread of ``pool`` and gets stage 01 open; then all rest together
    for ``idle_window`` seconds, and each one's footprint with stage 01 open is taken."""
    with PeakResidentSampler() as peaks:
        students = [hub.student(name) for name in names]
        for student in students:
            student.sign_up()

        def arrive(index: int, student) -> StudentRun:
            time.sleep(arrival * index / len(students))
            return simulate_student(student, solution, peaks)

        futures = {pool.submit(arrive, i, s): s.name for i, s in enumerate(students)}
        done = {}
        try:
            for future in concurrent.futures.as_completed(futures, timeout=timeout):
                done[futures[future]] = future.result()
        except concurrent.futures.TimeoutError:
            pass
        runs = [done.get(name) or StudentRun(name, error=f"not done within {timeout:.0f} s") for name in names]
        opened = [run for run in runs if run.uid is not None and not run.error]
        before = {run.name: footprint_of_uid(run.uid) for run in opened}
        time.sleep(idle_window)
        after = {run.name: footprint_of_uid(run.uid) for run in opened}
        return [replace(run, opened=after[run.name], peak_rss=peaks.peak(run.uid),
                        idle_cores=max(0.0, after[run.name].cpu_seconds - before[run.name].cpu_seconds) / idle_window)
                if run.name in after else run for run in runs]


def measure_hub(names: list[str], workdir: Path, arrival: float = 10.0, idle_window: float = 20.0,
                timeout: float = 900.0, inspect: Callable | None = None) -> HubBenchmark:
    """A scratch hub with ``names`` on its roster; they arrive within ``arrival`` seconds and get stage 01 open.

    ``inspect(hub, runs)``, if given, is called while every student still has stage 01 open (the tests look at
    their homes then); afterwards the hub, the students' processes and their accounts are gone."""
    from ..hub.accounts import remove_student_account
    from ..hub.launch import HubRefused
    from .scratch_hub import ScratchHub

    _check_can_run(len(names))
    for name in names:
        remove_student_account(name)        # one a killed run left behind (only the course's own accounts)
    solution = correct_solution()
    try:
        with ScratchHub(workdir / "course", students=names, release=(STAGE,)) as hub:
            pool = concurrent.futures.ThreadPoolExecutor(max_workers=len(names), thread_name_prefix="student")
            try:
                runs = _class_arrives(hub, names, solution, pool, arrival, idle_window, timeout)
                student_uids = {run.uid for run in runs if run.uid is not None}
                hub_footprint = footprint(hub_processes(hub.process.pid, student_uids))
                if inspect is not None:
                    inspect(hub, runs)
            finally:
                pool.shutdown(wait=False, cancel_futures=True)   # a student still waiting ends when the hub stops
    except HubRefused as refused:
        raise BenchmarkError(f"bench-hub starts a real hub: {refused}") from None
    machine = Machine(psutil.virtual_memory().total, os.cpu_count() or 1)
    return HubBenchmark(runs, hub_footprint, arrival, idle_window, machine, os.getloadavg())


def _mib(value: float | None) -> str:
    return "-" if value is None else f"{value / (1 << 20):,.0f}"


def _gib(value: float) -> str:
    return f"{value / GIB:,.1f}"


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def print_report(bench: HubBenchmark, class_size: int, running_share: float) -> None:
    """The figures, as tables: per student, the class's averages, this machine's capacity, a class's machine."""
    runs, ok = bench.runs, bench.ok_runs
    kind = next((run.opened.memory_kind for run in ok), "RSS")
    print(f"\n{len(runs)} simulated students on a hub on this machine ({bench.machine.cores} cores, "
          f"{_gib(bench.machine.memory_bytes)} GiB); load average at the end {bench.load[0]:.2f}, "
          f"{bench.load[1]:.2f}, {bench.load[2]:.2f} (1, 5, 15 min)")
    phases = ("login", "server", "fetch", "kernel", "setup", "exercise")
    print("\nseconds, per phase, and from pressing 'log in' to the setup cell's result:")
    print(f"  {'student':<10}" + "".join(f"{p:>9}" for p in phases) + f"{'login→1st result':>18}")
    for run in runs:
        cells = "".join(f"{run.seconds[p]:9.1f}" if p in run.seconds else f"{'-':>9}" for p in phases)
        first = f"{run.login_to_first_result:18.1f}" if run.login_to_first_result is not None else f"{'-':>18}"
        print(f"  {run.name:<10}{cells}{first}" + (f"   FAILED: {run.error}" if run.error else ""))
    if not ok:
        print("\nno student got stage 01 open: no capacity to report")
        return
    print(f"\nmemory (MiB, {kind} of every process of the student's account: USS only theirs, PSS with their share "
          "of pages shared with other processes) and CPU:")
    print(f"  {'student':<10}{'idle USS':>9}{'open USS':>9}{'open PSS':>9}{'open RSS':>9}{'peak RSS':>9}"
          f"{'processes':>10}{'CPU s idle':>11}{'CPU s open':>11}{'cores at rest':>14}")
    for run in ok:
        idle, opened = run.idle, run.opened
        print(f"  {run.name:<10}{_mib(idle.unique):>9}{_mib(opened.unique):>9}{_mib(opened.pss):>9}"
              f"{_mib(opened.rss):>9}{_mib(run.peak_rss):>9}{opened.processes:>10}{idle.cpu_seconds:11.1f}"
              f"{idle.cpu_seconds + run.cpu_to_open:11.1f}{run.idle_cores:14.4f}")
    cost = bench.cost()
    first = [run.login_to_first_result for run in ok]
    idle_unique = _mean([run.idle.unique for run in ok])
    print(f"\nper student ({len(ok)} of {len(runs)} got stage 01 open):")
    print(f"  login → first cell's result: mean {_mean(first):.1f} s, slowest {max(first):.1f} s "
          f"({len(runs)} students arriving within {bench.arrival:.0f} s on {bench.machine.cores} cores)")
    print(f"  memory only theirs: server idle {_mib(idle_unique)} MiB; stage 01 open {_mib(cost.unique_bytes)} MiB "
          f"({cost.unique_bytes / idle_unique:.1f}x idle); +{_mib(cost.transient_bytes)} MiB while their cells run "
          "(peak RSS − RSS at rest)")
    print(f"  shared by all students' processes (torch, Python: the same .venv files), in memory once: "
          f"{_mib(cost.shared_bytes)} MiB ({cost.shared_bytes / cost.unique_bytes:.1f}x one student's own)")
    print(f"  CPU: {_mean([run.idle.cpu_seconds for run in ok]):.1f} s to start the server, "
          f"{_mean([run.cpu_to_open for run in ok]):.1f} s to fetch and open stage 01 (kernel, setup, exercise); "
          f"at rest with stage 01 open {cost.idle_cores:.4f} cores (over {bench.idle_window:.0f} s)")
    print(f"  the hub itself (JupyterHub, proxy, culler, the sandboxes' root parents): {_mib(bench.hub.unique)} MiB; "
          f"kept for the system: {_gib(SYSTEM_RESERVE_BYTES)} GiB")
    shares = sorted({*RUNNING_SHARES, running_share})
    print(f"\nstudents with stage 01 open that this machine holds ({_gib(bench.machine.memory_bytes)} GiB, "
          f"{bench.machine.cores} cores; each student running a cell gets one core):")
    print(f"  {'running a cell at once':<24}{'by memory':>10}{'by CPU':>8}{'holds':>7}  bound")
    for share in shares:
        held = students_held(bench.machine, cost, bench.assumptions(share))
        print(f"  {share:>22.0%}  {held.by_memory:>10}{held.by_cpu:>8}{held.students:>7}  {held.bound}")
    print(f"\na class of {class_size} with stage 01 open on one machine:")
    print(f"  {'running a cell at once':<24}{'RAM GiB':>9}{'cores':>7}   a machine of")
    for share in shares:
        need = machine_for(class_size, cost, bench.assumptions(share))
        memory, cores = next_size(need.memory_gib, MEMORY_SIZES_GIB), next_size(need.cores, CORE_COUNTS)
        print(f"  {share:>22.0%}  {need.memory_gib:9.0f}{need.cores:7.1f}   "
              f"{memory or '>' + str(MEMORY_SIZES_GIB[-1])} GiB, {cores or '>' + str(CORE_COUNTS[-1])} cores")
    print("  (the idle culler stops a server idle for CourseHub.idle_timeout: students who are not there cost nothing)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=4, help="simulated students (default 4; at most 40)")
    parser.add_argument("--arrival", type=float, default=10.0, help="seconds within which they arrive (default 10)")
    parser.add_argument("--idle-window", type=float, default=20.0,
                        help="seconds over which the CPU of students at rest with stage 01 open is measured")
    parser.add_argument("--running-share", type=float, default=0.25,
                        help="share of the class running a cell at the same moment (default 0.25)")
    parser.add_argument("--class-size", type=int, default=200, help="the class to project for (default 200)")
    args = parser.parse_args(argv)
    names = [f"bench{i:02d}" for i in range(1, args.students + 1)]
    print(f"bench-hub: {args.students} students arriving within {args.arrival:.0f} s; load average before "
          f"{os.getloadavg()[0]:.2f} (1 min)")
    try:
        with tempfile.TemporaryDirectory(prefix="bench-hub-") as scratch:
            bench = measure_hub(names, Path(scratch), arrival=args.arrival, idle_window=args.idle_window)
    except BenchmarkError as error:
        print(f"bench-hub: {error}", file=sys.stderr)
        return 2
    print_report(bench, args.class_size, args.running_share)
    return 0 if len(bench.ok_runs) == len(bench.runs) else 1


if __name__ == "__main__":
    sys.exit(main())
