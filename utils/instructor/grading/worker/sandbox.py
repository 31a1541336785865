"""The sandbox every grading kernel runs in: bubblewrap, its own namespaces, an unprivileged user, limits.

Inside, a kernel sees:

* read-only: the system's /usr and /etc, the Python installation and the course's
  environment, and exactly what a student has: the student's package (``utils`` without
  ``utils/instructor``: the answer key, the judge, the instructor's tools; see
  ``utils/package_split.py``), ``data/`` and ``course/``;
* writable: a private /tmp (a size-limited tmpfs, its working directory) and, until
  the kernel is up, the folder of its connection file and IPC sockets;
* nothing else: not ``solutions/``, other students' files, the gradebook, grades,
  feedback, the expected values or the instructor's home; no network (its own
  network namespace, loopback only); its own PID namespace, so it cannot see or
  signal the grader, and every process it starts ends with it.

As root it runs as an unprivileged uid of its own (``SANDBOX_UIDS``), which also
makes the process limit count only that sandbox's processes. Limits: address space, file size, processes, open
files, no core dumps. nbgrader talks to the kernel over IPC (Unix sockets), since
TCP cannot cross the network namespace.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from utils.package_split import INSTRUCTOR_PACKAGE, STUDENT_PACKAGE

UTILS = STUDENT_PACKAGE
ROOT = UTILS.parent
#: As root each sandbox runs as its own uid from this range (no account needed), so the process limit,
#: which Linux counts per uid, is each sandbox's own: a fork bomb in one cannot starve another.
SANDBOX_UIDS = range(200_000, 300_000)
INSTALL_HINT = ("Install bubblewrap (Debian/Ubuntu: `apt-get install bubblewrap`; Fedora: `dnf install bubblewrap`) "
                "and make sure user namespaces are allowed (`sysctl kernel.unprivileged_userns_clone=1` when not "
                "grading as root). To grade without a sandbox anyway, which lets submissions read and change "
                "everything you can, run `make autograde SANDBOX=0` (or `--no-sandbox`).")


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot be set up here; the message says what is missing and how to install it."""


@dataclass(frozen=True)
class Limits:
    address_space: int = 8 << 30      # bytes of virtual memory (torch maps ~2 GB of libraries)
    file_size: int = 256 << 20        # bytes per file written
    processes: int = 256              # tasks (threads count) of the sandbox's user
    open_files: int = 1024
    tmpfs: int = 512 << 20            # bytes of /tmp


def _python_roots() -> list[str]:
    """The interpreter and the environment's site-packages, wherever they live."""
    roots = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), Path(sys.executable).resolve().parent.parent}
    return sorted(str(r) for r in roots if not str(r).startswith(("/usr", "/etc")))


def student_view() -> list[tuple[str, str]]:
    """(host path, sandbox path) of what a grading kernel may read: the environment and the student bundle's files."""
    binds = [(p, p) for p in _python_roots()]
    for name in ("utils", "data", "course"):
        if (ROOT / name).exists():
            binds.append((str(ROOT / name), str(ROOT / name)))
    return binds


def _parents(paths) -> list[str]:
    """Every ancestor directory of ``paths`` (for bwrap to create with permissions others can traverse)."""
    parents = set()
    for path in paths:
        for parent in Path(path).parents:
            if str(parent) != "/":
                parents.add(str(parent))
    return sorted(parents, key=lambda p: p.count("/"))


def _matplotlib_cache() -> list[tuple[str, str]]:
    """matplotlib's font list, so that a kernel does not rebuild it (read-only) in its private /tmp."""
    try:
        import matplotlib

        cache = Path(matplotlib.get_cachedir())
    except Exception:  # noqa: BLE001 (no cache to share: the kernel builds its own)
        return []
    return [(str(f), f"/tmp/matplotlib/{f.name}") for f in sorted(cache.glob("fontlist-*.json"))]


def _unprivileged() -> bool:
    return os.geteuid() != 0


_started = itertools.count()


def new_sandbox_uid() -> int:
    """A uid for the next sandbox, different for every kernel this process starts (a kernel that is
    re-started after a fork bomb must not find the process limit used up by the previous one's leftovers)."""
    return SANDBOX_UIDS.start + (os.getpid() * 1009 + next(_started)) % len(SANDBOX_UIDS)


def end_processes_of(uid: int) -> int:
    """Kill every process still running as ``uid`` (what a sandbox left behind); how many there were."""
    import psutil

    leftovers = [p for p in psutil.process_iter(["uids"]) if p.info["uids"] and p.info["uids"].real == uid]
    for process in leftovers:
        try:
            process.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(leftovers, timeout=10)
    return len(leftovers)


def course_view_args(view: list[tuple[str, str]], writable: list[str], tmpfs_size: int) -> list[str]:
    """bwrap arguments for what every sandbox of the course shows: the system's /usr and /etc read-only, /proc,
    /dev, a private /tmp of ``tmpfs_size`` bytes, ``view`` (host path, sandbox path) read-only with the instructor's
    package replaced by an empty folder, and the parents of ``view`` and of ``writable`` traversable.

    The grading kernel (:func:`bwrap_command`) and a student's server on the class's hub
    (``utils/instructor/hub/student_sandbox.py``) add what is theirs to it."""
    args = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for link in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        target = Path("/") / link
        if target.is_symlink():
            args += ["--symlink", os.readlink(target), str(target)]
        elif target.is_dir():
            args += ["--ro-bind", str(target), str(target)]
    args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", str(tmpfs_size), "--tmpfs", "/tmp",
             "--perms", "1777", "--dir", "/tmp/matplotlib"]
    for parent in _parents([dest for _, dest in view] + list(writable)):
        if parent not in ("/usr", "/etc", "/tmp"):  # bwrap would make the others 0700: unreadable for the kernel
            args += ["--perms", "0755", "--dir", parent]
    for source, dest in view:
        args += ["--ro-bind", source, dest]
    if INSTRUCTOR_PACKAGE.exists():
        args += ["--tmpfs", str(INSTRUCTOR_PACKAGE)]  # the answer key, the judge, the instructor's tools
    return args


def bwrap_command(command: list[str], ipc_dir: str, limits: Limits = Limits(), uid: int | None = None) -> list[str]:
    """``command`` wrapped in prlimit and bwrap, with ``ipc_dir`` the only host folder it may write;
    as root it runs as ``uid`` (default: a new one)."""
    bwrap = shutil.which("bwrap")
    if not bwrap:
        raise SandboxUnavailable("bubblewrap (bwrap) is not installed. " + INSTALL_HINT)
    view = student_view()
    args = [shutil.which("prlimit") or "prlimit", f"--as={limits.address_space}", f"--fsize={limits.file_size}",
            f"--nofile={limits.open_files}", "--core=0"]
    if not _unprivileged():
        args.append(f"--nproc={limits.processes}")
    args += ["--", bwrap, "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-net", "--unshare-ipc",
             "--unshare-uts", "--unshare-cgroup-try", "--hostname", "grading"]
    args += course_view_args(view, writable=[ipc_dir], tmpfs_size=limits.tmpfs)
    for source, dest in _matplotlib_cache():
        args += ["--ro-bind", source, dest]
    args += ["--bind", ipc_dir, ipc_dir, "--chdir", "/tmp", "--clearenv"]
    # PYTHONPATH: the kernel imports utils from the course folder it grades, even where the .venv was installed
    # (editable) from another folder (a course folder copied for a new term).
    environment = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
                   "PYTHONPATH": str(ROOT),
                   "MPLCONFIGDIR": "/tmp/matplotlib", "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1",
                   "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", str(min(2, os.cpu_count() or 1)))}
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if name in os.environ:
            environment[name] = os.environ[name]
    for name, value in environment.items():
        args += ["--setenv", name, value]
    args.append("--")
    if not _unprivileged():
        uid = new_sandbox_uid() if uid is None else uid
        args += [shutil.which("setpriv") or "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--no-new-privs"]
    return args + list(command)


def private_ipc_dir() -> str:
    """A fresh folder for one kernel's connection file and sockets (writable by the sandbox user until sealed)."""
    path = tempfile.mkdtemp(prefix="xai-grading-")
    os.chmod(path, 0o755 if _unprivileged() else 0o777)
    return path


#: What a kernel in the sandbox must manage before any notebook is graded: start Python, and import the course's
#: student package from this course folder (exit 3 when it imports another folder's).
_PROBE = ("import sys, utils.checks; from pathlib import Path\n"
          "sys.exit(0 if Path(utils.checks.__file__).resolve().parents[1] == Path(sys.argv[1]) else "
          "(print(Path(utils.checks.__file__).resolve().parents[1], file=sys.stderr) or 3))")


def check_available() -> None:
    """Start Python in the sandbox and import the course there, before anything is graded.

    SandboxUnavailable (with the install hint) where bubblewrap cannot start;
    GradingEnvironmentError naming the real cause where the sandbox starts but the
    course's ``utils`` cannot be imported from this folder.
    """
    from .grading_environment import GradingEnvironmentError

    ipc_dir = private_ipc_dir()
    try:
        sandboxed = bwrap_command([sys.executable, "-c", _PROBE, str(UTILS)], ipc_dir)
        done = subprocess.run(sandboxed, capture_output=True, text=True, timeout=120)
        if done.returncode == 0:
            return
        bare = subprocess.run(bwrap_command([sys.executable, "-c", "pass"], ipc_dir), capture_output=True, text=True,
                              timeout=120)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise SandboxUnavailable(f"the grading sandbox could not be started ({error}). " + INSTALL_HINT) from None
    finally:
        shutil.rmtree(ipc_dir, ignore_errors=True)
    if bare.returncode != 0:
        raise SandboxUnavailable(f"the grading sandbox could not be started: {bare.stderr.strip()[-500:]} "
                                 + INSTALL_HINT)
    if done.returncode == 3:
        raise GradingEnvironmentError(
            f"a sandboxed kernel imports the course's utils from {done.stderr.strip()}, not from this course folder "
            f"({ROOT}). Run `make install` in {ROOT}.")
    raise GradingEnvironmentError(
        f"the sandbox starts, but a kernel in it cannot import the course's utils from {ROOT}: "
        f"{done.stderr.strip()[-500:]} Check that {ROOT} is readable by other users (the sandbox's user), and run "
        f"`make install` in {ROOT}.")
