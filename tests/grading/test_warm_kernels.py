"""Kernels started ahead (warm_kernels.py): the notebook cannot tell them from a cold kernel, except that the
imports are done; each is as isolated as any grading kernel and gone after its notebook.

The persistence attack across notebooks is in the hostile class (``persists`` then ``finds_persisted``,
graded one after the other by the same worker, so the second runs in the kernel that warmed up while the first
was graded): tests/grading/test_autograding_robustness.py.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
from pathlib import Path

import nbformat
import psutil
import pytest
from jupyter_client import BlockingKernelClient

from utils.instructor.grading.worker import warm_kernels
from utils.instructor.grading.worker.resilient_execute import ResilientExecute
from utils.instructor.grading.worker.sandboxed_kernel import SandboxedKernelManager
from utils.package_split import STUDENT_PACKAGE

#: What a kernel looks like to the notebook, from its first cell (before the notebook imports anything itself).
PROBE = """
import sys, json
_warm = sorted(m for m in ("torch", "timm", "captum", "utils.checks", "utils.recording") if m in sys.modules)
import numpy, torch
print(json.dumps({
    "user_names": sorted(n for n in globals() if not n.startswith("_") and n not in ("In", "Out", "exit", "quit",
                                                                                       "get_ipython")),
    "in_history": len(In),
    "grad_enabled": torch.is_grad_enabled(),
    "default_dtype": str(torch.get_default_dtype()),
    "threads": torch.get_num_threads(),
    "cwd": __import__("os").getcwd(),
    # torchinductor_*: a cache folder torch makes when some of its modules are imported (by the notebook, too)
    "tmp": sorted(n for n in __import__("os").listdir("/tmp") if not n.startswith(("xai-grading-", "torchinductor"))),
    "connection_folders": len([n for n in __import__("os").listdir("/tmp") if n.startswith("xai-grading-")]),
}))
print("WARM", json.dumps(_warm))
"""


def run(warm: bool, tmp_path: Path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PROBE)],
                                  metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})
    executor = ResilientExecute(sandbox=True, warm_kernels=warm, timeout=300,
                                log=logging.getLogger("test-warm-kernels"))
    nb, resources = executor.preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    lines = "".join(o.get("text", "") for o in nb.cells[0].outputs if o.output_type == "stream").splitlines()
    state = json.loads(lines[0])
    return state, json.loads(lines[1].removeprefix("WARM ")), nb.cells[0].execution_count


def test_a_warm_kernel_differs_from_a_cold_one_only_in_what_it_has_imported(tmp_path):
    cold, cold_imported, cold_count = run(False, tmp_path)
    warm, warm_imported, warm_count = run(True, tmp_path)
    assert cold_imported == [], "a cold kernel should start without torch"
    assert warm_imported == ["captum", "timm", "torch", "utils.checks", "utils.recording"]
    assert warm == cold, "the warm-up left something the notebook can see"
    assert warm_count == cold_count == 1
    assert warm["user_names"] == ["json", "numpy", "open", "sys", "torch", "utils"]  # utils: the import probe
    # the private /tmp holds IPython's and matplotlib's folders, and the way to the course folder where it lies
    # below /tmp (the sandbox shows it at its own path)
    course_folder = STUDENT_PACKAGE.parent
    way_in = [course_folder.relative_to("/tmp").parts[0]] if course_folder.is_relative_to("/tmp") else []
    assert warm["tmp"] == sorted([".ipython", "matplotlib", *way_in])
    assert warm["connection_folders"] == 1 and warm["cwd"] == "/tmp"
    warm_kernels.pool().close()


def test_the_warm_imports_are_what_the_notebooks_import():
    imports = warm_kernels.warm_imports()
    # stage 01's setup cell, stage 04's captum import, stage 07's FlopCounterMode, stage 08's scipy
    for module in ("torch", "matplotlib.pyplot", "utils.checks", "utils.models", "utils.data", "captum.attr",
                   "torch.utils.flop_counter", "scipy.stats", "utils.recording", "timm"):
        assert module in imports
    assert not any(name.startswith("utils.instructor") for name in imports)


def ask(manager, code: str) -> dict:
    """Run ``code`` in the kernel of ``manager`` (sealed as the grader seals it); what it printed, as JSON."""
    client = BlockingKernelClient()
    client.load_connection_info(manager.get_connection_info())
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        manager.seal()
        seen = []
        reply = client.execute_interactive(code, timeout=120, output_hook=seen.append)
        assert reply["content"]["status"] == "ok", reply["content"]
        return json.loads("".join(m["content"].get("text", "") for m in seen if m["msg_type"] == "stream"))
    finally:
        client.stop_channels()


def shut_down(manager) -> None:
    from jupyter_core.utils import run_sync

    run_sync(manager.shutdown_kernel)(now=True)


def test_a_warm_kernel_cannot_see_or_signal_the_next_one_and_is_gone_after_its_notebook():
    pool = warm_kernels.WarmKernels()
    try:
        first = pool.take(SandboxedKernelManager, "python3", [])
        warming = pool.warming[0]
        other_pid = warming.provisioner.process.pid
        printed = ask(first, "import os, json, signal\n"
                             "pids = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())\n"
                             f"try:\n    os.kill({other_pid}, signal.SIGKILL); killed = True\n"
                             "except OSError:\n    killed = False\n"
                             "open('/tmp/left-behind', 'w').write('x')\n"
                             "print(json.dumps({'pids': pids, 'killed': killed, 'uid': os.getuid()}))")
        assert printed["killed"] is False, "a kernel could signal the kernel warming up beside it"
        assert len(printed["pids"]) <= 3 and other_pid not in printed["pids"], \
            f"a kernel sees processes outside its sandbox: {printed['pids']}"
        assert warming.provisioner.process.poll() is None, "the kernel warming up was stopped"
        ipc_dir = first.ipc_dir
        shut_down(first)
        assert not Path(ipc_dir).exists()
        if os.geteuid() == 0:
            assert printed["uid"] == first.uid != warming.uid
            assert not [p for p in psutil.process_iter(["uids"]) if p.info["uids"].real == first.uid]

        second = pool.take(SandboxedKernelManager, "python3", [])
        assert second is warming
        assert ask(second, "import os, json; print(json.dumps(os.path.exists('/tmp/left-behind')))") is False
        shut_down(second)
    finally:
        pool.close()


class _FakeManager:
    """A kernel manager that records how it was started and stopped (no process)."""

    made: list = []

    def __init__(self):
        self.started_with, self.stopped = None, False
        _FakeManager.made.append(self)

    async def start_kernel(self, **options):
        self.started_with = options

    async def shutdown_kernel(self, now=False):
        self.stopped = True


def test_the_pool_keeps_its_depth_warming_hands_out_the_oldest_and_starts_them_quiet():
    _FakeManager.made = []
    pool = warm_kernels.WarmKernels(depth=2)
    pool.fill(_FakeManager, "python3", [])
    assert len(_FakeManager.made) == 2 and pool.warming == tuple(_FakeManager.made)
    first, second = _FakeManager.made
    assert pool.take(_FakeManager, "python3", []) is first
    assert pool.warming[0] is second and len(pool.warming) == 2 and len(_FakeManager.made) == 3
    for manager in _FakeManager.made:  # the kernel's own stdout and stderr (IPython's Ctrl-C note) go nowhere
        assert manager.started_with["stdout"] is subprocess.DEVNULL
        assert manager.started_with["stderr"] is subprocess.DEVNULL
    other = pool.take(_FakeManager, "python3", ["--other"])  # another kind: the old kind's kernels are stopped
    assert all(m.stopped for m in _FakeManager.made[1:3]) and other not in _FakeManager.made[:3]
    assert len(pool.warming) == 2
    pool.close()
    assert not pool.warming and all(m.stopped for m in _FakeManager.made if m is not first and m is not other)


def test_a_pool_refuses_to_keep_no_kernel_warming():
    with pytest.raises(ValueError, match="warm_kernels = False"):
        warm_kernels.WarmKernels(depth=0)


def test_a_worker_starts_its_kernels_before_it_loads_the_grader(monkeypatch, tmp_path):
    """grade_task starts the kernels of the task's kind before anything else of the notebook, in the thread that
    will take them, with the course's warm_kernel_count."""
    from utils.instructor.grading.worker import grading_task
    from utils.instructor.paths import Course
    from utils.instructor.record.task import GradingTask

    _FakeManager.made = []
    monkeypatch.setattr(ResilientExecute, "_kernel_kind",
                        lambda self, name: (_FakeManager, name, ["--HistoryManager.hist_file=:memory:"]))
    task = GradingTask("s1", "01_vanilla_gradients", {"01_vanilla_gradients.ipynb": json.dumps(
        {"metadata": {"kernelspec": {"name": "python3"}}}).encode()}, grader="x")
    pool = warm_kernels.pool()
    try:
        grading_task.start_warming(Course.scratch(tmp_path / "course"), task, grading_task.overrides())
        assert len(pool.warming) == 2 and pool._kind == ("python3", ("--HistoryManager.hist_file=:memory:",))
        grading_task.start_warming(Course.scratch(tmp_path / "course"), task, grading_task.overrides())
        assert len(_FakeManager.made) == 2, "kernels already warming are not started again"
    finally:
        pool.close()
        pool._kind = None


def test_a_real_kernels_own_output_stays_out_of_the_graders_terminal(capfd):
    pool = warm_kernels.WarmKernels(depth=1)
    try:
        manager = pool.take(SandboxedKernelManager, "python3", [])
        assert ask(manager, "import json; print(json.dumps(1))") == 1
        shut_down(manager)
    finally:
        pool.close()
    out, err = capfd.readouterr()
    assert "Ctrl-C will not work" not in out + err and "--existing" not in out + err


@pytest.mark.skipif(os.geteuid() != 0, reason="a sandbox uid's processes are readable by root only")
def test_the_memory_of_a_kernel_warming_ahead_is_measured_with_its_imports_done():
    from utils.instructor.tools.warm_kernel_memory import MIB, report, warm_kernel_memory

    (kernel,) = warm_kernel_memory(depth=1)
    assert kernel.processes >= 1 and kernel.uss is not None
    assert kernel.uss > 150 * MIB, "with torch, timm and captum imported a kernel holds more than 150 MiB"
    assert report([kernel]).startswith("1 kernel(s) warming ahead, each waiting with its imports done: ")
