"""The grading sandbox really denies, seen from inside a grading kernel (the kernel manager nbgrader uses)."""

from __future__ import annotations

import os

import pytest

from utils.instructor.paths import ROOT
from utils.instructor.grading.worker.sandbox import SandboxUnavailable, check_available
from utils.instructor.grading.worker.sandboxed_kernel import SandboxedKernelManager


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


def marked_processes(marker: str) -> list:
    import psutil

    found = []
    for process in psutil.process_iter(["cmdline"]):
        if any(marker in part for part in process.info["cmdline"] or []):
            found.append(process)
    return found


def test_processes_left_by_a_kernel_end_with_it():
    """A daemon in its own session, started from a grading kernel, is running while the kernel runs and is gone
    when the kernel is shut down (own PID namespace, killed with the sandbox)."""
    import asyncio
    import time
    import uuid

    marker = f"daemon-{uuid.uuid4().hex}"
    manager = SandboxedKernelManager(kernel_name="python3")
    asyncio.run(manager.start_kernel())
    client = manager.blocking_client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        manager.seal()
        run(client, "import subprocess, sys\n"
                    f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)', {marker!r}], "
                    "start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, "
                    "stderr=subprocess.DEVNULL)")
        deadline = time.monotonic() + 30
        while not marked_processes(marker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert marked_processes(marker), "the daemon never started (the test would prove nothing)"
    finally:
        client.stop_channels()
        asyncio.run(manager.shutdown_kernel(now=True))
    deadline = time.monotonic() + 30
    while marked_processes(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not marked_processes(marker), "a daemon started by a grading kernel outlived it"


def test_the_kernel_cannot_read_the_expected_values_or_a_gradebook(kernel, tmp_path):
    """The answer key's cached values and the gradebook stay outside the sandbox."""
    from utils.instructor.judge import expected

    expected.load("04_baselines")  # the cache file exists on the host
    cached = next(expected.cache_dir().glob("04_baselines-*.npz"))
    gradebook = tmp_path / "course" / "gradebook.db"
    gradebook.parent.mkdir()
    gradebook.write_bytes(b"SQLite format 3\x00")
    for path in (cached, expected.cache_dir(), gradebook):
        assert path.exists()
        _, error = run(kernel, f"import os\np = {str(path)!r}\n"
                               "open(p, 'rb').read() if os.path.isfile(p) else os.listdir(p)")
        assert error in ("FileNotFoundError", "PermissionError"), (path, error)


def test_autograde_refuses_on_the_command_line_without_bubblewrap():
    """Fail closed through the instructor's own command: exit status 2, what is missing and how to install it."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "utils.instructor", "autograde"], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "PATH": "/nonexistent"}, timeout=300)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "autograde refused" in done.stderr and "apt-get install bubblewrap" in done.stderr


def test_grading_refuses_without_a_sandbox(monkeypatch):
    """Fail closed: no bwrap means no grading, with what to install."""
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(SandboxUnavailable, match="apt-get install bubblewrap"):
        check_available()


def test_grading_without_the_sandbox_happens_only_when_asked_and_says_so(tmp_path):
    """A real --no-sandbox run (autograde_all(sandbox=False), what `make autograde SANDBOX=0` calls) grades, warns
    in its output, and marks the grade in the grade table."""
    import csv

    import nbformat

    from utils.instructor.grading.host.autograde import autograde_all
    from utils.instructor.results.grades import export_grades
    from utils.instructor.paths import SOURCE, Course

    stage = "04_baselines"
    course = Course.scratch(tmp_path / "course")
    (course.submitted / "alice" / stage).mkdir(parents=True)
    nbformat.write(nbformat.read(str(SOURCE / stage / f"{stage}.ipynb"), 4),
                   str(course.submitted / "alice" / stage / f"{stage}.ipynb"))
    said = []
    results = autograde_all(course, sandbox=False, log=said.append)
    assert [r.ok for r in results] == [True]
    assert any("WITHOUT a sandbox" in line for line in said), said
    with open(export_grades(course, log=lambda *_: None), newline="") as handle:
        alice = {row["student_id"]: row for row in csv.DictReader(handle)}["alice"]
    assert "graded WITHOUT sandbox" in alice[f"{stage} status"], alice
