"""The grading sandbox really denies, seen from inside a grading kernel (the kernel manager nbgrader uses)."""

from __future__ import annotations

import os

import pytest

from utils.instructor.paths import ROOT
from utils.instructor.sandbox import SandboxUnavailable, check_available
from utils.instructor.sandboxed_kernel import SandboxedKernelManager


@pytest.fixture(scope="module")
def kernel():
    check_available()
    manager = SandboxedKernelManager(kernel_name="python3")
    import asyncio

    asyncio.run(manager.start_kernel())
    client = manager.blocking_client()
    client.parent_manager = manager
    client.start_channels()
    client.wait_for_ready(timeout=120)
    manager.seal()
    yield client
    client.stop_channels()
    asyncio.run(manager.shutdown_kernel(now=True))
    assert not os.path.exists(manager.ipc_dir), "the kernel's private folder was left behind"


def run(client, code: str) -> tuple[str, str]:
    """(stdout, error name) of ``code`` in the kernel."""
    out, error = [], []

    def hook(message):
        content = message["content"]
        if message["msg_type"] == "stream":
            out.append(content["text"])
        elif message["msg_type"] == "error":
            error.append(content["ename"])

    client.execute_interactive(code, timeout=120, output_hook=hook)
    return "".join(out), "".join(error)


def test_the_kernel_cannot_read_the_solutions_or_the_answer_key(kernel):
    assert (ROOT / "solutions").is_dir() and (ROOT / "utils" / "instructor" / "reference").is_dir()
    _, error = run(kernel, f"open({str(next((ROOT / 'solutions').glob('*/*.ipynb')))!r}).read()")
    assert error == "FileNotFoundError"
    _, error = run(kernel, "import utils.instructor.reference")
    assert error == "ModuleNotFoundError"
    out, _ = run(kernel, f"import os; print(sorted(os.listdir({str(ROOT / 'utils' / 'instructor')!r})))")
    assert out.strip() == "[]"


def test_the_kernel_can_import_what_a_student_has(kernel):
    out, error = run(kernel, "import utils.checks, utils.recording, utils.models; print('ok')")
    assert (out.strip(), error) == ("ok", "")


def test_the_kernel_can_write_only_its_private_tmp(kernel, tmp_path):
    out, error = run(kernel, "open('/tmp/scratch', 'w').write('mine'); print(open('/tmp/scratch').read())")
    assert (out.strip(), error) == ("mine", "")
    for target in (ROOT / "pwned.txt", ROOT / "utils" / "pwned.py", tmp_path / "pwned.txt"):
        _, error = run(kernel, f"open({str(target)!r}, 'w').write('x')")
        assert error in ("OSError", "PermissionError", "FileNotFoundError"), (target, error)
        assert not target.exists()


def test_the_kernel_has_no_network(kernel):
    _, error = run(kernel, "import socket; socket.create_connection(('127.0.0.1', 22), timeout=2)")
    assert error in ("ConnectionRefusedError", "OSError", "TimeoutError")
    out, _ = run(kernel, "import socket; print(socket.if_nameindex())")
    assert "eth" not in out and "ens" not in out


def test_the_kernel_cannot_see_the_hosts_processes(kernel):
    out, error = run(kernel, "import os; print(sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))")
    assert error == ""
    visible = eval(out)  # noqa: S307 (a list of ints printed by the kernel)
    assert len(visible) < 10, f"the kernel sees {len(visible)} processes"


def test_the_kernel_runs_as_an_unprivileged_user(kernel):
    out, _ = run(kernel, "import os; print(os.getuid())")
    assert int(out) != 0 or os.geteuid() != 0


def test_an_endless_loop_can_be_interrupted(kernel):
    """nbgrader interrupts a cell that runs out of time; the signal must reach the sandboxed kernel."""
    import threading

    timer = threading.Timer(3, lambda: asyncio_run_interrupt(kernel))
    timer.start()
    _, error = run(kernel, "while True:\n    pass")
    timer.cancel()
    assert error == "KeyboardInterrupt"
    out, _ = run(kernel, "print('still alive')")
    assert out.strip() == "still alive"


def asyncio_run_interrupt(client) -> None:
    import asyncio

    asyncio.run(client.parent_manager.interrupt_kernel())


def test_processes_left_by_a_kernel_end_with_it(kernel):
    """A daemon in its own session dies with the sandbox (own uid, killed at cleanup; own PID namespace)."""
    import psutil

    run(kernel, "import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'], "
                "start_new_session=True)")
    uid = kernel.parent_manager.uid
    assert os.geteuid() != 0 or any(p.info["uids"].real == uid for p in psutil.process_iter(["uids"]))


def test_grading_refuses_without_a_sandbox(monkeypatch):
    """Fail closed: no bwrap means no grading, with what to install."""
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(SandboxUnavailable, match="apt-get install bubblewrap"):
        check_available()
