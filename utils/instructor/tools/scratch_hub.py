"""A real class hub on a scratch course, for rehearsals, ``make bench-hub`` and the tests.

    with ScratchHub(tmp, students=["s1", "s2"], instructors=["teach"]) as hub:
        student = hub.student("s1"); student.sign_up(); student.log_in(); student.start_server()

It is started exactly as ``make hub`` starts it (``hub.launch.HubLaunch``: the repository's
``jupyterhub_config.py``, the roster login, students sandboxed as their own accounts), on free
ports of 127.0.0.1, with a scratch course whose gradebook holds ``students`` and whose exchange
has ``release`` stages released. On leaving, the hub, its proxy and every student's processes are
stopped and the students' system accounts (made by the hub, marked as the course's) are removed.
Needs root, bubblewrap and useradd, like the hub itself.
"""

from __future__ import annotations

import csv
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from ..hub.accounts import remove_student_account
from ..hub.launch import HubLaunch, HubPorts
from ..paths import Course
from .hub_client import HubStudent

PASSWORD = "a-long-class-password-7"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def email_of(student: str) -> str:
    return f"{student}@uni.example"


class ScratchHub:
    def __init__(self, root, students, instructors=(), release=("01_vanilla_gradients",), extra=(), log=None):
        self.root = Path(root)
        self.students, self.instructors, self.release = list(students), list(instructors), list(release)
        self.extra, self.log_path = list(extra), log
        self.ports = HubPorts("127.0.0.1", free_port(), free_port(), free_port())
        self.process = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports.port}"

    @property
    def course(self) -> Course:
        return Course(self.root)

    def student(self, name: str, password: str = PASSWORD) -> HubStudent:
        return HubStudent(self.url, name, password, email_of(name))

    def __enter__(self) -> "ScratchHub":
        from ..gradebook.stage_sources import ensure_gradebook
        from ..intake.roster import import_roster

        course = Course.scratch(self.root)
        ensure_gradebook(course, log=lambda *a: None)
        roster = self.root / "roster.csv"
        with open(roster, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", "first_name", "last_name", "email", "lms_user_id"])
            writer.writerows([name, name.capitalize(), "Student", email_of(name), ""] for name in self.students)
        import_roster(roster, course)
        self.start()
        from ..hub.class_release import release_to_class
        from ..hub.settings import hub_settings

        try:
            for stage in self.release:
                release_to_class(stage, hub_settings(self.root), log=lambda *a: None)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def start(self) -> None:
        """Start (or restart) the hub and wait until it answers."""
        launch = HubLaunch(self.root, self.ports,  # a list trait on JupyterHub's command line: one flag per item
                           [*(f"--CourseHub.instructors={name}" for name in self.instructors), *self.extra])
        launch.prepare()
        out = open(self.log_path or self.root / "hub.log", "ab")
        self.process = subprocess.Popen(launch.command(), cwd=self.root, stdout=out, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.time() + 120
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/hub/api", timeout=2)
                return
            except OSError:
                if self.process.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"the hub did not start; its log: {self.root / 'hub.log'}") from None
                time.sleep(0.5)

    def _end_instructors_servers(self) -> None:
        """An instructor's server runs as the course folder's owner, not an account of its own: find it by its root
        folder (the hub leaves servers running when it stops, as it should for a real class)."""
        import psutil

        mine = f"--ServerApp.root_dir={self.root}"
        servers = [p for p in psutil.process_iter(["cmdline"]) if mine in (p.info["cmdline"] or [])]
        for server in servers:
            server.kill()
        psutil.wait_procs(servers, timeout=10)

    def stop_hub(self) -> None:
        """Stop the hub and its proxy (the students' servers keep running, as after a hub crash)."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        pid_file = self.root / "hub" / "jupyterhub-proxy.pid"
        if pid_file.exists():
            try:
                os.kill(int(pid_file.read_text()), signal.SIGKILL)
            except (ValueError, ProcessLookupError):
                pass

    def __exit__(self, *exc) -> None:
        from ..grading.worker.sandbox import end_processes_of
        import pwd

        self.stop_hub()
        self._end_instructors_servers()
        for name in self.students:
            try:
                end_processes_of(pwd.getpwnam(name).pw_uid)
            except KeyError:
                continue
            remove_student_account(name)
