"""A student's JupyterLab on the hub: in bubblewrap, as the student's own system account.

It sees what the grading kernel sees of the course (``grading/worker/sandbox.py``: the system read-only,
the course's environment, the student's package with ``utils/instructor`` replaced by an empty
folder, ``data/`` and the released ``course/``), plus its own:

* the student's home, read-write (their notebooks);
* their part of nbgrader's exchange at nbgrader's usual paths (``exchange.ClassExchange.student_mounts``);
* the students' Jupyter settings (``jupyter_config``), read-only;

and nothing else of the machine: not ``solutions/``, the gradebook, ``submitted/``, ``autograded/``,
``feedback/``, ``reports/``, the roster, the expected values' cache, the hub's state or another
student's home. Its own PID namespace (it cannot see or signal another student's processes, which
also run as another uid); the machine's network, so that the hub's proxy reaches the server.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from ..grading.worker.sandbox import ROOT, SandboxUnavailable, INSTALL_HINT, course_view_args, student_view
from .accounts import Account
from .exchange import ClassExchange
from .jupyter_config import config_path
from .settings import EXCHANGE_IN_SANDBOX

#: Where a student's server finds the students' Jupyter settings (JUPYTER_CONFIG_PATH).
CONFIG_IN_SANDBOX = "/opt/xai-course/jupyter"
TMPFS_BYTES = 1 << 30


def student_server_command(command: list[str], account: Account, exchange: ClassExchange, config_dir: Path,
                           memory_gb: int = 8, processes: int = 512, threads: int = 2) -> list[str]:
    """``command`` (``jupyterhub-singleuser`` and its arguments) in the student's sandbox; run it as root."""
    bwrap = shutil.which("bwrap")
    if not bwrap:
        raise SandboxUnavailable("bubblewrap (bwrap) is not installed: each student's server runs in it. "
                                 + INSTALL_HINT)
    home = str(account.home)
    mounts = exchange.student_mounts(account.name)
    view = student_view() + [(str(config_dir), CONFIG_IN_SANDBOX)]
    args = [shutil.which("prlimit") or "prlimit", f"--as={memory_gb << 30}", f"--nproc={processes}", "--core=0",
            "--", bwrap, "--new-session", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--hostname", "xai-course"]
    args += course_view_args(view, writable=[home] + [m.sandbox for m in mounts], tmpfs_size=TMPFS_BYTES)
    args += ["--bind", home, home]
    # nbgrader checks that the exchange's root is writable (its own layout is world-writable); here it is a
    # private, throwaway tmpfs per server, and only the student's own folders are bound into it.
    args += ["--perms", "1777", "--tmpfs", EXCHANGE_IN_SANDBOX,
             "--perms", "0755", "--dir", f"{EXCHANGE_IN_SANDBOX}/{exchange.course_id}"]
    for mount in mounts:
        args += ["--bind" if mount.writable else "--ro-bind", str(mount.host), mount.sandbox]
    args += ["--chdir", home]
    environment = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "PYTHONPATH": str(ROOT),
                   "JUPYTER_CONFIG_PATH": config_path(CONFIG_IN_SANDBOX), "SHELL": "/bin/bash", "HOME": home,
                   "USER": account.name, "LANG": "C.UTF-8",
                   # torch would start a thread per core of the machine in every student's kernel
                   "OMP_NUM_THREADS": str(threads)}
    for name, value in environment.items():
        args += ["--setenv", name, value]
    args += ["--", shutil.which("setpriv") or "setpriv", f"--reuid={account.uid}", f"--regid={account.gid}",
             "--clear-groups", "--no-new-privs"]
    return args + list(command)
