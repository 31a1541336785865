"""make bench-hub: its capacity arithmetic by hand, and its measurement of one real simulated student.

The figures the benchmark prints are checked for being real (memory, CPU and time measured, the
fetched notebook in the student's home, everything gone afterwards), never against a timing threshold.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil

import psutil
import pytest

from utils.instructor.tools.hub_capacity import (CORE_COUNTS, GIB, MEMORY_SIZES_GIB, Assumptions, Machine,
                                                 StudentCost, machine_for, next_size, students_held)
from utils.instructor.tools.process_footprint import footprint, footprint_of_uid, processes_of_uid

MIB = 1 << 20
STAGE = "01_vanilla_gradients"
STUDENT = "benchtest1"   # a name no other test's hub uses

needs_hub = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("bwrap") is None or shutil.which("useradd") is None,
    reason="bench-hub starts a real hub, which needs root, bubblewrap and useradd (make test installs them as "
           "root: apt-get install bubblewrap passwd)")

# 500 MiB of a student's own, 1 GiB shared once, 200 MiB more while a cell runs, 0.01 cores at rest.
COST = StudentCost(unique_bytes=500 * MIB, shared_bytes=GIB, transient_bytes=200 * MIB, idle_cores=0.01)
QUARTER = Assumptions(running_share=0.25, reserve_bytes=3 * GIB)


def test_a_machine_holds_the_students_its_memory_and_cores_allow():
    held = students_held(Machine(24 * GIB, 2), COST, QUARTER)
    # memory: (24 − 3 − 1) GiB = 20480 MiB for 500 + 0.25 × 200 = 550 MiB each → 37.2
    assert held.by_memory == 37
    # CPU: 2 cores / (0.01 + 0.25 × 1 core) = 7.7
    assert held.by_cpu == 7
    assert (held.students, held.bound) == (7, "CPU")


def test_a_machine_whose_memory_is_taken_by_the_reserve_holds_nobody():
    held = students_held(Machine(4 * GIB, 64), COST, QUARTER)
    assert held.by_memory == 0 and held.students == 0 and held.bound == "memory"


def test_the_machine_for_a_class_of_200():
    need = machine_for(200, COST, QUARTER)
    # 3 GiB + 1 GiB + 200 × 550 MiB = 4096 + 110000 MiB
    assert need.memory_bytes == (4096 + 110_000) * MIB
    assert need.cores == pytest.approx(200 * 0.26)
    assert next_size(need.memory_gib, MEMORY_SIZES_GIB) == 128
    assert next_size(need.cores, CORE_COUNTS) == 64
    assert next_size(5000, CORE_COUNTS) is None


def test_nobody_running_a_cell_needs_only_the_idle_cores():
    need = machine_for(100, COST, Assumptions(running_share=0.0, reserve_bytes=0))
    assert need.cores == pytest.approx(1.0)
    assert need.memory_bytes == GIB + 100 * 500 * MIB


@pytest.mark.parametrize("share", [-0.1, 1.5])
def test_a_running_share_outside_0_to_1_is_refused(share):
    with pytest.raises(ValueError, match="between 0 and 1"):
        Assumptions(running_share=share, reserve_bytes=0)


def test_the_footprint_of_this_process_is_its_memory_and_cpu():
    me = psutil.Process()
    sum(i * i for i in range(200_000))   # some CPU time of our own
    mine = footprint([me])
    assert mine.processes == 1
    assert mine.rss == pytest.approx(me.memory_info().rss, rel=0.2)
    assert mine.cpu_seconds > 0
    if mine.uss is not None:             # smaps readable: our own always is
        assert 0 < mine.uss <= mine.pss <= mine.rss
        assert mine.memory_kind == "USS/PSS" and mine.unique == mine.uss
    assert any(p.pid == me.pid for p in processes_of_uid(os.getuid()))
    assert footprint_of_uid(os.getuid()).rss >= mine.rss


def test_bench_hub_refuses_to_start_without_root(monkeypatch, tmp_path):
    from utils.instructor.tools import bench_hub

    monkeypatch.setattr(bench_hub.os, "geteuid", lambda: 1000)
    with pytest.raises(bench_hub.BenchmarkError, match="must run as root"):
        bench_hub.measure_hub(["nobody-here"], tmp_path)
    assert list(tmp_path.iterdir()) == []   # nothing started, nothing written


def test_bench_hub_refuses_a_class_this_machine_cannot_be_asked_to_hold(tmp_path):
    from utils.instructor.tools.bench_hub import MAX_STUDENTS, BenchmarkError, measure_hub

    with pytest.raises(BenchmarkError, match=f"between 1 and {MAX_STUDENTS}"):
        measure_hub([f"bench{i:02d}" for i in range(MAX_STUDENTS + 1)], tmp_path)


@needs_hub
def test_one_simulated_student_is_measured_with_stage_01_open(tmp_path):
    from utils.instructor.tools.bench_hub import measure_hub

    seen = {}

    def look_while_open(hub, runs):
        account = pwd.getpwnam(STUDENT)
        notebook = os.path.join(account.pw_dir, STAGE, f"{STAGE}.ipynb")
        seen["uid"] = account.pw_uid
        seen["exists"] = os.path.isfile(notebook)
        seen["owner"] = os.stat(notebook).st_uid if seen["exists"] else None
        seen["text"] = open(notebook).read() if seen["exists"] else ""
        seen["kernels"] = [p for p in processes_of_uid(account.pw_uid)
                           if "ipykernel" in " ".join(p.cmdline())]

    bench = measure_hub([STUDENT], tmp_path, arrival=0, idle_window=2, inspect=look_while_open)

    (run,) = bench.runs
    assert run.ok, run.error
    # the fetched notebook was in the student's home, theirs, the released version (no hidden tests)
    assert seen["exists"] and seen["owner"] == seen["uid"] == run.uid
    cells = json.loads(seen["text"])["cells"]
    assert any(c["metadata"].get("nbgrader", {}).get("grade_id") == "setup" for c in cells)
    assert "BEGIN HIDDEN TESTS" not in seen["text"]
    assert len(seen["kernels"]) == 1     # stage 01 was open in a kernel of the student's own while inspected
    # real memory, of the server and the kernel, smaps read as root
    assert run.opened.memory_kind == "USS/PSS"
    assert run.idle.uss > 0 and run.opened.uss > run.idle.uss   # the kernel with EfficientNet-Lite0 added to it
    assert run.opened.processes >= 2 and run.peak_rss >= run.idle.rss
    assert run.opened.uss <= run.opened.pss <= run.opened.rss
    # real CPU and time
    assert run.idle.cpu_seconds > 0 and run.cpu_to_open > 0 and run.idle_cores >= 0
    assert set(run.seconds) == {"login", "server", "fetch", "kernel", "setup", "exercise"}
    assert all(seconds > 0 for seconds in run.seconds.values())
    assert run.login_to_first_result > run.seconds["server"] + run.seconds["setup"]
    assert bench.hub.rss > 0 and bench.machine.cores == os.cpu_count()
    # the capacity is projected from these figures
    cost = bench.cost()
    assert cost.unique_bytes == run.opened.uss
    # and everything is gone: the account, its processes
    with pytest.raises(KeyError):
        pwd.getpwnam(STUDENT)
    assert processes_of_uid(run.uid) == []
