"""What ``jupyterhub_config.py`` applies after the instructor's settings: the course's classes and services."""

from __future__ import annotations

import sys
from pathlib import Path

from .settings import CourseHub

BIN = Path(sys.executable).parent


def configure(c) -> None:
    """Point JupyterHub ``c`` at the course: roster login, sandboxed students, the pure-Python proxy, the culler."""
    settings = CourseHub(config=c)
    c.JupyterHub.authenticator_class = "utils.instructor.hub.authenticator.RosterAuthenticator"
    c.JupyterHub.spawner_class = "utils.instructor.hub.spawner.CourseSpawner"
    c.Authenticator.admin_users = set(settings.instructors)
    c.Spawner.default_url = "/lab"
    c.Spawner.http_timeout = 120    # a JupyterLab that imports torch's site-packages on a busy 2-core machine
    c.Spawner.start_timeout = 180
    # The pure-Python configurable-http-proxy (no Node.js); the hub starts and stops it.
    c.ConfigurableHTTPProxy.command = [str(BIN / "configurable-http-proxy")]
    c.JupyterHub.cleanup_servers = False  # a restarted hub finds the students' servers still running
    c.JupyterHub.services = [{
        "name": "idle-culler",
        "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={settings.idle_timeout}"],
    }]
    c.JupyterHub.load_roles = [{
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }]
