"""nbgrader's Execute, made to survive what a submission does to its kernel and what load does to the clock."""

from __future__ import annotations

import copy
import os
import time
from pathlib import Path

from nbclient.exceptions import DeadKernelError
from nbclient.util import run_sync
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool, Float, Integer

from ...prepare import demo_cells
from ...record.notebook_report import NotebookReport
from .grading_environment import GradingEnvironmentError
from .warm_kernels import QUIET, pool

SKIPPED_SOURCE = "# Not run by the grader: this cell stopped the Python kernel in an earlier attempt."
#: The course's student-facing package, as this grader sees it: every kernel must import exactly this one.
COURSE_UTILS = Path(__file__).resolve().parents[3]


KERNEL_DIED = ("The Python kernel died while running this cell (os._exit, a crash, or the memory limit). "
               "It scores 0; the rest of the notebook was graded without it.")
KERNEL_BROKE = ("The Python kernel stopped talking to the grader properly while running this cell (for example, "
                "processes forked from it wrote into its connection). It scores 0; the rest of the notebook was "
                "graded without it.")


def kernel_died_output(message: str = KERNEL_DIED) -> NotebookNode:
    return NotebookNode(output_type="error", ename="KernelDied", evalue=message, traceback=[f"KernelDied: {message}"])


def too_much_output() -> NotebookNode:
    return NotebookNode(output_type="stream", name="stderr",
                        text="[the grader kept no more output of this cell: it printed more than it may]\n")


class ResilientExecute(Execute):
    """Execute the notebook in the grading sandbox; survive dead kernels, and do not let load cost marks.

    * The kernel runs in :mod:`~utils.instructor.grading.worker.sandbox` unless ``sandbox`` is False.
    * When the kernel dies, or garbles its messages (processes forked from it write into
      its sockets), the cell that was running gets an error output (0 points if it is a
      test cell) and the notebook is run again from the top without it, at most
      ``max_kernel_deaths`` times (nbgrader's own Execute gives up on the notebook).
    * When a cell runs out of time while its kernel got less than half a core of CPU
      (a loaded machine, not an endless loop), the notebook is run again with twice
      the time, at most ``max_starved_retries`` times. What still times out scores 0
      and is reported in the grading status.
    * A cell's output is capped at ``max_output_bytes``; the rest is dropped.
    * Before any cell runs, the fresh kernel must import the course's ``utils`` from this
      very course folder; otherwise nothing is graded (GradingEnvironmentError, naming the
      cause and the fix): a broken environment is never a student's 0.
    * Demonstration cells tagged ``skip-when-grading`` are not run when ``skip_cells_with_tag`` names that
      tag (nbgrader_config.py); they get a note saying so. When a test then fails in a way they could
      explain (no record, or the function raised), the notebook is run again with every cell
      (``demo_cells.py``).
    * After ``notebook_timeout`` seconds no further cell is started: the notebook fails
      ("could not be graded"), and the run goes on with the next one.
    * With ``warm_kernels`` (and the sandbox), each run takes a kernel started ahead, which
      has already imported what the notebooks import (``warm_kernels.py``); it serves this
      run only and is shut down after it.

    What happened is handed on as a :class:`~utils.instructor.record.notebook_report.NotebookReport` in
    ``resources["grading_report"]`` (never as log text).
    """

    sandbox = Bool(True, help="Run every kernel in the bubblewrap sandbox (see utils/instructor/grading/worker/sandbox.py).").tag(
        config=True)
    max_kernel_deaths = Integer(3, help="How many kernel deaths to survive in one notebook.").tag(config=True)
    max_starved_retries = Integer(2, help="How often to re-run a notebook whose cell timed out for lack of CPU.").tag(
        config=True)
    starved_cpu_fraction = Float(0.5, help="A timed-out cell that got less CPU than this fraction of its time "
                                           "was starved by load, not stuck.").tag(config=True)
    max_output_bytes = Integer(32 << 20, help="Output kept per cell.").tag(config=True)
    notebook_timeout = Float(0.0, help="Seconds one notebook may take, all attempts included (0: no limit); "
                                       "past it no further cell is started.").tag(config=True)
    warm_kernels = Bool(True, help="Start the next notebooks' sandboxed kernels, and their imports, while this one "
                                   "runs (see utils/instructor/grading/worker/warm_kernels.py).").tag(config=True)
    warm_kernel_count = Integer(2, help="How many sandboxed kernels warm up ahead of the notebooks (each costs its "
                                        "memory while it waits).").tag(config=True)

    _started = 0.0

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.sandbox:
            from .sandboxed_kernel import SandboxedKernelManager

            self.kernel_manager_class = SandboxedKernelManager

    # -- hooks into nbclient ------------------------------------------------------------------
    def on_cell_start(self, cell=None, cell_index=None, **kwargs):
        self._cell_starts.append((cell_index, time.perf_counter()))
        if self.notebook_timeout and time.perf_counter() - self._started > self.notebook_timeout:
            raise NotebookTimeout(f"grading took longer than {self.notebook_timeout:.0f} s and was stopped")
        self._running_cell = cell_index
        self._cell_cpu_start = self._kernel_cpu_seconds()
        self._output_bytes = 0

    async def async_start_new_kernel(self, **kwargs):
        kwargs = {**QUIET, **kwargs}
        if not self.sandbox:  # the sandbox sets its own environment (sandbox.py), PYTHONPATH included
            kwargs.setdefault("env", {**os.environ, "PYTHONPATH": course_pythonpath()})
        await super().async_start_new_kernel(**kwargs)

    async def async_start_new_kernel_client(self):
        client = await super().async_start_new_kernel_client()
        if hasattr(self.km, "seal"):
            self.km.seal()
        await self._check_course_importable()
        return client

    # nbconvert's preprocess() starts the kernel through nbclient's *sync* wrappers, which are bound to nbclient's
    # own coroutines: bind them to the ones above, or the sandbox is never sealed and the kernel never probed.
    start_new_kernel = run_sync(async_start_new_kernel)
    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    def _warm_kernel(self, nb):
        """A sandboxed kernel started ahead for this run (None where kernels are started cold)."""
        if not (self.sandbox and self.warm_kernels):
            return None
        name = self.kernel_name or nb.metadata.get("kernelspec", {}).get("name", "")
        return pool(self.warm_kernel_count).take(*self._kernel_kind(name))

    def start_warming(self, kernel_name: str) -> None:
        """Start the kernels the next notebooks (of kernel ``kernel_name``) will take, where kernels are started
        ahead: a worker calls it before it loads the rest of the grader."""
        if self.sandbox and self.warm_kernels:
            pool(self.warm_kernel_count).fill(*self._kernel_kind(self.kernel_name or kernel_name))

    def _kernel_kind(self, name: str):
        """(make a kernel manager, kernel name, start-up arguments) for kernels started ahead, as nbclient would
        start this run's kernel."""
        from .sandboxed_kernel import SandboxedKernelManager

        arguments = [*self.extra_arguments]
        if self.ipython_hist_file and not any(a.startswith("--HistoryManager.hist_file") for a in arguments):
            arguments.append(f"--HistoryManager.hist_file={self.ipython_hist_file}")  # as nbclient starts kernels
        options = {"kernel_name": name} if name else {}
        return (lambda: SandboxedKernelManager(config=self.config, **options)), name, arguments

    async def _check_course_importable(self) -> None:
        """Ask the fresh kernel, before any cell of the notebook, where it imports ``utils`` from."""
        msg_id = self.kc.execute("import utils", silent=True, store_history=False,
                                 user_expressions={"utils_file": "utils.__file__"})
        reply = (await self.async_wait_for_reply(msg_id)) or {}
        content = reply.get("content", {})
        where = content.get("user_expressions", {}).get("utils_file", {}).get("data", {}).get("text/plain", "")
        if content.get("status") != "ok" or where in ("", "None"):  # None: a folder it may see but not read
            raise GradingEnvironmentError(
                f"a grading kernel cannot import the course's utils ({content.get('ename') or 'its folder is unreadable'}"
                f"{': ' + str(content.get('evalue')) if content.get('evalue') else ''}). "
                f"The kernel should find it in {COURSE_UTILS.parent} (PYTHONPATH); check that the folder is readable, "
                "and run `make install` in this course folder.")
        if str(COURSE_UTILS) not in where:
            raise GradingEnvironmentError(
                f"a grading kernel imports utils from {where.strip(chr(39))}, not from the course folder being "
                f"graded ({COURSE_UTILS.parent}): its environment was installed from another folder. Run "
                "`make install` in this course folder.")

    async def _async_handle_timeout(self, timeout, cell=None):
        used = self._kernel_cpu_seconds() - self._cell_cpu_start
        starved = used < self.starved_cpu_fraction * timeout
        self._timeouts.append({"cell": self._running_cell, "cpu_seconds": round(used, 1), "starved": starved})
        return await super()._async_handle_timeout(timeout, cell)

    def output(self, outs, msg, display_id, cell_index):
        self._output_bytes += len(str(msg.get("content", "")))
        if self._output_bytes > self.max_output_bytes:
            if not outs or outs[-1] != too_much_output():
                outs.append(too_much_output())
            return None
        return super().output(outs, msg, display_id, cell_index)

    def _kernel_cpu_seconds(self) -> float:
        """CPU time of the kernel's whole process tree (the sandbox and everything in it)."""
        try:
            import psutil

            root = psutil.Process(self.km.provisioner.process.pid)
            tree = [root, *root.children(recursive=True)]
            return sum(p.cpu_times().user + p.cpu_times().system for p in tree if p.is_running())
        except Exception:  # noqa: BLE001 (no kernel yet, or it just ended)
            return 0.0

    # -- the notebook ---------------------------------------------------------------------------
    def preprocess(self, nb, resources=None, km=None):
        started, timeout = time.perf_counter(), self.timeout
        self._started = started
        fatal: dict[int, str] = {}
        attempts = {"kernel_deaths": 0, "starved_retries": 0}
        skip_tag, full_rerun = self.skip_cells_with_tag, False
        skipped = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and demo_cells.is_tagged(cell)
                   and skip_tag == demo_cells.TAG]
        try:
            while True:
                trial = copy.deepcopy(nb)
                for index in fatal:
                    trial.cells[index].source = SKIPPED_SOURCE
                self._running_cell, self._timeouts, self._cell_cpu_start, self._output_bytes = None, [], 0.0, 0
                self._cell_starts, run_started = [], time.perf_counter()
                warm = self._warm_kernel(nb) if km is None else None
                try:
                    trial, trial_resources = super().preprocess(trial, copy.deepcopy(resources), warm or km)
                except (GradingEnvironmentError, NotebookTimeout):
                    raise
                except Exception as error:  # noqa: BLE001 (a dead or garbled kernel: the running cell is to blame)
                    if self._running_cell is None or self._running_cell in fatal or \
                            attempts["kernel_deaths"] >= self.max_kernel_deaths:
                        raise
                    self.log.warning("kernel %s in cell %s (%s); re-running without it",
                                     "died" if isinstance(error, DeadKernelError) else "broke", self._running_cell,
                                     type(error).__name__)
                    fatal[self._running_cell] = KERNEL_DIED if isinstance(error, DeadKernelError) else KERNEL_BROKE
                    attempts["kernel_deaths"] += 1
                    continue
                finally:
                    if warm is not None:  # nbclient leaves a kernel it was given running
                        self._cleanup_kernel()
                starved = [t for t in self._timeouts if t["starved"]]
                if starved and attempts["starved_retries"] < self.max_starved_retries:
                    attempts["starved_retries"] += 1
                    self.timeout = 2 * self.timeout
                    self.log.warning("cells %s timed out with too little CPU (a loaded machine); running the notebook "
                                     "again with %s s per cell", [t["cell"] for t in starved], self.timeout)
                    continue
                if skipped and not full_rerun and demo_cells.needs_full_run(trial):
                    full_rerun, skipped, self.skip_cells_with_tag = True, [], ""
                    self.log.warning("a test failed in a way the skipped demonstration cells could explain; running "
                                     "the notebook again with every cell")
                    continue
                break
        finally:
            self.timeout, self.skip_cells_with_tag = timeout, skip_tag
        for index in skipped:
            trial.cells[index].outputs = [demo_cells.not_run_output()]
        for index, message in fatal.items():
            trial.cells[index].source = nb.cells[index].source
            trial.cells[index].outputs = [kernel_died_output(message)]
        nb.cells = trial.cells
        report = NotebookReport(sandbox=self.sandbox, timed_out_cells=tuple(t["cell"] for t in self._timeouts),
                                kernel_deaths=len(fatal), starved_retries=attempts["starved_retries"],
                                seconds=round(time.perf_counter() - started, 1), skipped_cells=tuple(skipped),
                                full_rerun=full_rerun, phases=self._phases(nb, run_started))
        trial_resources["grading_report"] = report
        self.log.info("ran the notebook in %.1f s: %s", report.seconds, report)
        return nb, trial_resources


    def _phases(self, nb, run_started: float) -> dict:
        """Seconds of the last run by phase: the kernel's start (until the first cell), then the cells by kind."""
        from ... import cells

        def phase(index: int) -> str:
            cell = nb.cells[index]
            if cells.grade_id(cell) == "setup":
                return "setup"
            if cells.is_test(cell):
                return "hidden tests"
            return "exercises" if cells.is_solution(cell) else "other cells"

        ends = [start for _, start in self._cell_starts[1:]] + [time.perf_counter()]
        phases = {"kernel start": self._cell_starts[0][1] - run_started if self._cell_starts else 0.0}
        for (index, start), end in zip(self._cell_starts, ends):
            phases[phase(index)] = phases.get(phase(index), 0.0) + end - start
        return {name: round(seconds, 2) for name, seconds in phases.items()}


class NotebookTimeout(RuntimeError):
    """The notebook used up its ``notebook_timeout``."""


def course_pythonpath() -> str:
    """The course folder, first on a kernel's path: a copied course folder grades its own ``utils`` even where its
    ``.venv`` was installed (editable) from another folder."""
    return str(COURSE_UTILS.parent)
