"""How ``make hub`` starts the class's hub: checks first, then JupyterHub with the course's configuration.

The hub keeps its own state (SQLite database, cookie secret, the servers' Jupyter settings) in
``<course>/hub/``, readable by root only. It runs as root: it makes one system account per student and
starts each student's server as that account.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..paths import REPOSITORY
from .exchange import ClassExchange
from .settings import CourseHub, hub_config, hub_settings

CONFIG_FILE = REPOSITORY / "jupyterhub_config.py"
#: The proxy the hub extra installs (``configuration.py`` points the hub at it): pure Python, no TLS.
PURE_PYTHON_PROXY = str(Path(sys.executable).with_name("configurable-http-proxy"))


class HubRefused(RuntimeError):
    """The hub cannot serve the class from here yet; the message says what to do first."""


@dataclass(frozen=True)
class HubPorts:
    """Where the class connects (``ip``, ``port``) and the hub's two internal ports (JupyterHub's defaults)."""

    ip: str = ""
    port: int = 8000
    hub_port: int = 8081
    proxy_api_port: int = 8001


@dataclass(frozen=True)
class HubLaunch:
    course_root: Path
    ports: HubPorts = HubPorts()
    extra: list = field(default_factory=list)   # more JupyterHub options, e.g. --CourseHub.instructors=ta (one flag per name)

    def login(self) -> list[str]:
        """The LMS's LTI 1.3 launch where the course's ``lti_config.py`` names a platform; else the roster's login."""
        from ..lms.platform_settings import lti_settings

        if lti_settings(self.course_root).enabled:
            return ["--JupyterHub.authenticator_class=utils.instructor.hub.lti_login.CourseLtiAuthenticator"]
        return []

    def command(self) -> list[str]:
        state = self.course_root / "hub"
        return [str(Path(sys.executable).with_name("jupyterhub")), "-f", str(CONFIG_FILE),
                f"--CourseHub.course_root={self.course_root}",
                f"--JupyterHub.db_url=sqlite:///{state / 'jupyterhub.sqlite'}",
                f"--JupyterHub.cookie_secret_file={state / 'jupyterhub_cookie_secret'}",
                f"--JupyterHub.pid_file={state / 'jupyterhub.pid'}",
                f"--ConfigurableHTTPProxy.pid_file={state / 'jupyterhub-proxy.pid'}",
                f"--ip={self.ports.ip}", f"--port={self.ports.port}",
                f"--JupyterHub.hub_port={self.ports.hub_port}",
                f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{self.ports.proxy_api_port}",
                *self.login(), *self.extra]

    def prepare(self) -> CourseHub:
        """Check what the hub needs and lay out its folders; HubRefused says what is missing."""
        config = hub_config()
        self._check_tls(config)
        if os.geteuid() != 0:
            raise HubRefused("the hub must run as root: it makes a system account per student and starts each "
                             "student's server as that account (sudo make hub)")
        for program, package in (("bwrap", "bubblewrap"), ("useradd", "passwd"), ("setpriv", "util-linux")):
            if shutil.which(program) is None:
                raise HubRefused(f"{program} is not installed; the hub needs it (apt-get install {package})")
        settings = hub_settings(self.course_root, config)
        course = settings.course
        if not course.has_gradebook():
            raise HubRefused(f"no gradebook in {self.course_root}: import the class list first "
                             "(make roster ROSTER=students.csv, or make roster FROM=lms); only students on it may "
                             "log in")
        self._check_lms()
        state = self.course_root / "hub"
        state.mkdir(exist_ok=True)
        state.chmod(0o700)
        ClassExchange(settings.exchange_root).prepare()
        return settings

    def _check_lms(self) -> None:
        from ..lms.platform_settings import LtiNotConfigured, lti_settings

        platform = lti_settings(self.course_root)
        if platform.enabled:
            try:
                platform.check()
            except LtiNotConfigured as error:
                raise HubRefused(f"the LMS's launch cannot be served: {error}") from None

    def _check_tls(self, config) -> None:
        """The pure-Python proxy has no TLS: a certificate for the hub must go to a reverse proxy in front."""
        proxy = " ".join(config.ConfigurableHTTPProxy.get("command", [])) if "ConfigurableHTTPProxy" in config else ""
        asked = bool(config.JupyterHub.get("ssl_cert")) or any(
            option.startswith(("--JupyterHub.ssl_cert", "--ssl-cert", "--JupyterHub.ssl_key", "--ssl-key"))
            for option in self.extra)
        if asked and PURE_PYTHON_PROXY in proxy:
            raise HubRefused("a certificate for the hub (ssl_cert, ssl_key) needs a proxy that serves TLS, and the "
                             "pure-Python configurable-http-proxy the course installs has none: put a reverse proxy "
                             "in front (Caddy or nginx, with the hub on 127.0.0.1; the README shows both), or install "
                             "Node.js's configurable-http-proxy and set c.ConfigurableHTTPProxy.command to it")
