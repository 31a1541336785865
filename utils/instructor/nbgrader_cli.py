"""Run nbgrader's own command line from the course's .venv."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from pathlib import Path

from .paths import ROOT


def nbgrader_env() -> dict:
    """The environment for nbgrader (PATH already holds this Python's bin: see the package __init__)."""
    env = dict(os.environ)
    env.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
    return env


def _die_with_parent() -> None:
    """In the child: be killed when the process that started it dies (Linux's PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def run_nbgrader(*args: str, cwd: Path = ROOT, check: bool = True, capture: bool = True, timeout: float | None = None):
    """``nbgrader <args>`` in ``cwd`` (where nbgrader_config.py is read from).

    Returns the CompletedProcess; with ``check`` a failure raises RuntimeError
    carrying nbgrader's own log, which names the notebook and the error. nbgrader
    runs in its own session; after ``timeout`` seconds it and everything it started
    are killed and the CompletedProcess has returncode None. It dies with this
    process (an interrupted ``make autograde`` leaves no nbgrader grading behind).
    """
    process = subprocess.Popen([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=nbgrader_env(), text=True,
                               stdout=subprocess.PIPE if capture else None, stderr=subprocess.PIPE if capture else None,
                               start_new_session=True, preexec_fn=_die_with_parent)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
        returncode = process.returncode
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        returncode = None
    done = subprocess.CompletedProcess(process.args, returncode, stdout, stderr)
    if check and returncode != 0:
        log = (stdout or "") + (stderr or "")
        raise RuntimeError(f"nbgrader {' '.join(args)} failed (exit {returncode}):\n{log[-4000:]}")
    return done
