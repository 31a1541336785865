"""The course's JupyterLab settings: this folder is a Jupyter configuration folder that a student's JupyterLab reads
when it is first on ``JUPYTER_CONFIG_PATH`` (:func:`environment`). ``make lab`` does that here and in the student
bundle, and a hub points each student's server at :data:`CONFIG_DIR` the same way.

* ``labconfig/default_setting_overrides.json``: JupyterLab's defaults for the course, which jupyterlab_server reads
  from ``labconfig/`` in every folder on Jupyter's config path. ``fetchNews: "false"`` keeps JupyterLab's "Would you
  like to get notified about official Jupyter news?" prompt from opening over the course (JupyterLab asks whenever
  that setting is still ``"none"``, its default); ``checkForUpdates: false`` keeps it from offering upgrades.
* ``jupyter_server_config.json``: the server's side of the same: no news feed and no update check, so a student's
  server never asks the internet for either (the course works offline).

These are defaults: a student who turns the news on in Settings keeps that choice.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

#: The folder to put first on ``JUPYTER_CONFIG_PATH``.
CONFIG_DIR = Path(__file__).resolve().parent
#: The environment variable through which Jupyter finds it.
VARIABLE = "JUPYTER_CONFIG_PATH"


def environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with :data:`CONFIG_DIR` first on ``JUPYTER_CONFIG_PATH``,
    ahead of any folders already there."""
    base = dict(os.environ if base is None else base)
    others = [p for p in base.get(VARIABLE, "").split(os.pathsep) if p and Path(p).resolve() != CONFIG_DIR]
    return {**base, VARIABLE: os.pathsep.join([str(CONFIG_DIR), *others])}
