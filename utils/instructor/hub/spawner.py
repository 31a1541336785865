"""``CourseSpawner``: JupyterHub's ``LocalProcessSpawner``, with each student's server in their sandbox.

* A student (anyone not in ``CourseHub.instructors``) gets a system account of their own (``accounts``),
  their part of the exchange (``exchange.ClassExchange.open_for``), a file listing their due dates in
  their home, and a JupyterLab in ``student_sandbox`` that runs as that account. When the server stops,
  every process of that account is ended.
* An instructor's server runs unsandboxed as the course folder's owner, in the course folder, with
  formgrader (opened in its own tab: ``/user/<name>/formgrader``, as nbgrader advises since #1870) and
  the course's ``make`` commands.
"""

from __future__ import annotations

import os
import pwd
import sys
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner, set_user_setuid

from .accounts import student_account
from .due_dates_file import write_due_dates
from .exchange import ClassExchange
from .jupyter_config import config_path, write_instructor_config, write_student_config
from .settings import CourseHub
from .student_sandbox import student_server_command

SINGLEUSER = str(Path(sys.executable).with_name("jupyterhub-singleuser"))


class CourseSpawner(LocalProcessSpawner):
    """Students in their sandbox, instructors as the course folder's owner."""

    @property
    def course_hub(self) -> CourseHub:
        return CourseHub(config=self.config)

    @property
    def is_instructor(self) -> bool:
        """Named in ``CourseHub.instructors``, or (the LMS's launch) an admin because a teaching role launched."""
        return self.user.name in self.course_hub.instructors or bool(self.user.admin)

    def _owner(self) -> pwd.struct_passwd:
        return pwd.getpwuid(os.stat(self.course_hub.course_root).st_uid)

    async def start(self):
        settings = self.course_hub
        if self.is_instructor:
            owner = self._owner()
            self.cmd = [SINGLEUSER, f"--ServerApp.root_dir={settings.course_root}"] + (
                ["--allow-root"] if owner.pw_uid == 0 else [])
            self.popen_kwargs = {"cwd": settings.course_root}
            self.environment = {**self.environment,
                                "JUPYTER_CONFIG_PATH": config_path(str(write_instructor_config(settings))),
                                "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
        else:
            account = student_account(self.user.name)
            exchange = ClassExchange(settings.exchange_root)
            exchange.open_for(account.name, account.uid, account.gid)
            write_due_dates(settings, account)
            self.cmd = student_server_command([SINGLEUSER], account, exchange, write_student_config(settings),
                                              memory_gb=settings.memory_gb, processes=settings.processes,
                                              threads=settings.threads)
        return await super().start()

    def make_preexec_fn(self, name):
        if self.is_instructor:
            return set_user_setuid(self._owner().pw_name, chdir=False)
        return None  # the sandbox starts as root and becomes the student (setpriv) inside

    def user_env(self, env):
        if self.is_instructor:
            owner = self._owner()
            env.update(USER=owner.pw_name, HOME=owner.pw_dir, SHELL=owner.pw_shell or "/bin/bash")
            return env
        return super().user_env(env)

    async def stop(self, now=False):
        await super().stop(now=now)
        if not self.is_instructor:
            from ..grading.worker.sandbox import end_processes_of

            try:
                end_processes_of(pwd.getpwnam(self.user.name).pw_uid)
            except KeyError:
                pass
