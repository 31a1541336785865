"""Run nbgrader's own command line from the course's .venv."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .paths import ROOT


def nbgrader_env() -> dict:
    """The environment for nbgrader (PATH already holds this Python's bin: see the package __init__)."""
    env = dict(os.environ)
    env.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
    return env


def run_nbgrader(*args: str, cwd: Path = ROOT, check: bool = True, capture: bool = True):
    """``nbgrader <args>`` in ``cwd`` (where nbgrader_config.py is read from).

    Returns the CompletedProcess; with ``check`` a failure raises RuntimeError
    carrying nbgrader's own log, which names the notebook and the error.
    """
    process = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=nbgrader_env(),
                             text=True, capture_output=capture)
    if check and process.returncode != 0:
        log = (process.stdout or "") + (process.stderr or "")
        raise RuntimeError(f"nbgrader {' '.join(args)} failed (exit {process.returncode}):\n{log[-4000:]}")
    return process
