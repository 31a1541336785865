"""nbgrader's Execute, made to survive a submission that kills its kernel."""

from __future__ import annotations

import copy

from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Integer

SKIPPED_SOURCE = "# Not run by the grader: this cell stopped the Python kernel in an earlier attempt."


def kernel_died_output() -> NotebookNode:
    message = ("The Python kernel died while running this cell (os._exit, a crash, or the memory limit). "
               "It scores 0; the rest of the notebook was graded without it.")
    return NotebookNode(output_type="error", ename="KernelDied", evalue=message, traceback=[f"KernelDied: {message}"])


class ResilientExecute(Execute):
    """Execute the notebook; when the kernel dies, skip the cell that killed it and start again.

    nbgrader's own Execute gives up on the whole notebook when the kernel dies,
    so a single ``os._exit()`` would cost a student every mark. Here the fatal
    cell gets an error output (0 points if it is a test cell) and the notebook
    is executed again from the top without it, at most ``max_kernel_deaths`` times.
    """

    max_kernel_deaths = Integer(3, help="How many kernel deaths to survive in one notebook.").tag(config=True)

    def on_cell_start(self, cell=None, cell_index=None, **kwargs):
        self._running_cell = cell_index

    def preprocess(self, nb, resources=None, km=None):
        fatal: list[int] = []
        for _ in range(self.max_kernel_deaths + 1):
            trial = copy.deepcopy(nb)
            for index in fatal:
                trial.cells[index].source = SKIPPED_SOURCE
            self._running_cell = None
            try:
                trial, resources = super().preprocess(trial, copy.deepcopy(resources), km)
            except DeadKernelError:
                if self._running_cell is None or self._running_cell in fatal:
                    raise
                self.log.warning("kernel died in cell %s; re-running without it", self._running_cell)
                fatal.append(self._running_cell)
                continue
            for index in fatal:
                trial.cells[index].source = nb.cells[index].source
                trial.cells[index].outputs = [kernel_died_output()]
            nb.cells = trial.cells
            return nb, resources
        raise DeadKernelError(f"the kernel died {len(fatal) + 1} times; giving up on this notebook")
