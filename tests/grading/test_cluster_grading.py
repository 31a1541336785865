"""Grading on a real Dask cluster: a scheduler and two worker processes on 127.0.0.1, as an instructor would
start them on other machines. The grades equal a local run's, the gradebook is a shared one outside the
workspace (nbgrader's db_url), and a worker killed in the middle of a notebook costs only a retry."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import dask
import pytest

from utils.instructor.grading.host.autograde import autograde_all
from utils.instructor.grading.host.cluster import SchedulerUnreachable
from utils.instructor.intake.collect import collect
from utils.instructor.tools.demo_class import STAGE, make_submission
from utils.instructor.results.grades import export_grades
from utils.instructor.paths import ROOT, Course

KINDS = ("correct", "softmax")
DASK = Path(sys.executable).with_name("dask")


def start_cluster(folder: Path, workers: int = 2):
    """``dask scheduler`` and ``dask worker`` processes (no nanny: a killed worker stays dead) on 127.0.0.1."""
    scheduler_file = folder / "scheduler.json"
    common = dict(cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    processes = [subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0",
                                   "--no-dashboard", "--scheduler-file", str(scheduler_file)], **common)]
    deadline = time.time() + 120
    while not scheduler_file.exists() and time.time() < deadline:
        time.sleep(0.2)
    for _ in range(workers):
        processes.append(subprocess.Popen([str(DASK), "worker", "--scheduler-file", str(scheduler_file),
                                           "--host", "127.0.0.1", "--nthreads", "1", "--no-nanny",
                                           "--no-dashboard"], **common))
    from distributed import Client

    with Client(scheduler_file=str(scheduler_file), timeout=60) as client:
        client.wait_for_workers(workers, timeout=180)
        address = client.scheduler.address
    return address, processes


def stop(processes) -> None:
    for process in processes:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()


def a_class(root: Path, database: str = "") -> Course:
    course = Course.scratch(root / "course", database)
    for kind in KINDS:
        make_submission(kind, root / "submissions" / f"s-{kind}", root / "course")
    collect(root / "submissions", course, log=lambda *_: None)
    return course


def grade_table(course: Course, path: Path) -> dict:
    with open(export_grades(course, path, log=lambda *_: None)) as handle:
        return {row["student_id"]: (row[STAGE], row[f"{STAGE} status"]) for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def local_grades(tmp_path_factory):
    course = a_class(tmp_path_factory.mktemp("local"))
    results = autograde_all(course, jobs=1, log=print)
    assert all(r.ok for r in results) and len(results) == len(KINDS)
    return grade_table(course, course.root / "local.csv")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    address, processes = start_cluster(tmp_path_factory.mktemp("cluster"))
    yield address, processes
    stop(processes)


def test_a_class_graded_on_two_workers_gets_the_local_grades(cluster, local_grades, tmp_path):
    address, _ = cluster
    shared = tmp_path / "shared-database" / "gradebook.db"
    shared.parent.mkdir()
    course = a_class(tmp_path, database=f"sqlite:///{shared}")
    results = autograde_all(course, scheduler=address, log=print)
    assert sorted(r.student for r in results if r.ok) == sorted(f"s-{k}" for k in KINDS)
    assert len({r.worker for r in results}) == 2, "both workers should have graded"
    assert grade_table(course, tmp_path / "cluster.csv") == local_grades
    assert shared.exists() and not course.gradebook.exists(), "the grades belong in the configured database"
    assert all(r.report.sandbox for r in results)


def test_a_worker_killed_while_grading_costs_only_a_retry(cluster, local_grades, tmp_path):
    address, _ = cluster
    course = a_class(tmp_path)
    from distributed import Client

    killed, lost = [], set()

    def kill_a_busy_worker():
        with Client(address, timeout=60) as client:
            pids = client.run(os.getpid)  # worker address -> its process
            deadline = time.time() + 300
            while time.time() < deadline:
                busy = [w for w, tasks in client.processing().items() if tasks and w in pids]
                if busy:
                    time.sleep(2)  # inside the notebook: its kernel is starting or running the setup cell
                    held = client.processing().get(busy[0], ())  # what the worker holds as it dies
                    os.killpg(pids[busy[0]], signal.SIGKILL)
                    killed.append(pids[busy[0]])
                    for key in held:  # grade-<stage>-<student>-<8 hex digits>
                        _, stage, *student, _ = str(key).split("-")
                        lost.add((stage, "-".join(student)))
                    return
                time.sleep(0.5)

    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    results = autograde_all(course, scheduler=address, log=print)
    killer.join()
    assert killed, "no worker was caught grading"
    assert lost, "the killed worker held no notebook"
    # What the worker held when it died was graded by another one (a notebook it finished before counts as its own).
    assert not any(r.worker.endswith(f":{killed[0]}") for r in results
                   if (r.stage, r.student) in lost), "graded by a dead worker?"
    assert all(r.ok for r in results), [r.message for r in results]
    assert grade_table(course, tmp_path / "after-kill.csv") == local_grades


def test_an_unreachable_scheduler_is_a_clear_refusal(tmp_path):
    """Within Dask's own connect timeout (shortened here from its 30 s default, as an instructor may set it)."""
    course = a_class(tmp_path)
    with dask.config.set({"distributed.comm.timeouts.connect": "4s"}):
        with pytest.raises(SchedulerUnreachable, match="no Dask scheduler answered at tcp://127.0.0.1:9 within 4 s"):
            autograde_all(course, scheduler="tcp://127.0.0.1:9", log=print)
