"""A Jupyter kernel manager that starts the kernel inside the grading sandbox (``sandbox.py``)."""

from __future__ import annotations

import os
import shutil

from jupyter_client.manager import AsyncKernelManager

from .sandbox import bwrap_command, end_processes_of, new_sandbox_uid, private_ipc_dir


class SandboxedKernelManager(AsyncKernelManager):
    """Start the kernel in bubblewrap, talking over IPC sockets in a private folder.

    After the kernel is up, :meth:`seal` makes that folder read-only (as root, the
    sandbox's user cannot undo it), so the kernel is left with its size-limited /tmp
    as the only place it can write.
    """

    def __init__(self, **kwargs):
        self.ipc_dir = private_ipc_dir()
        self.uid = new_sandbox_uid()
        kwargs.setdefault("transport", "ipc")
        kwargs.setdefault("ip", os.path.join(self.ipc_dir, "kernel"))
        kwargs.setdefault("connection_file", os.path.join(self.ipc_dir, "connection.json"))
        super().__init__(**kwargs)

    def format_kernel_cmd(self, extra_arguments=None):
        # A signal from outside cannot reach the kernel (its own PID namespace and session): interrupt it
        # with a message on its control channel, which ipykernel turns into SIGINT inside the sandbox.
        self.kernel_spec.interrupt_mode = "message"
        return bwrap_command(super().format_kernel_cmd(extra_arguments), self.ipc_dir, uid=self.uid)

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        if os.geteuid() == 0:
            os.chown(self.connection_file, self.uid, self.uid)

    def seal(self) -> None:
        os.chmod(self.ipc_dir, 0o555)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if os.geteuid() == 0:
            end_processes_of(self.uid)  # the PID namespace ends them too; do not rely on its timing
        if not restart:
            shutil.rmtree(self.ipc_dir, ignore_errors=True)
