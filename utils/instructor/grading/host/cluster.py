"""Where notebooks are graded: a Dask cluster, local by default.

* ``jobs=n`` (``make autograde JOBS=n``): a ``LocalCluster`` of n worker processes
  on this machine, one thread each (a grading kernel wants a whole core).
* ``scheduler="tcp://host:8786"`` (``make autograde SCHEDULER=...``): an existing
  cluster. Start one with the course's environment on every worker machine::

      dask scheduler                                    # on one machine
      cd <this repository> && .venv/bin/dask worker tcp://host:8786 --nthreads 1 --nworkers 4

  or on Slurm (dask-jobqueue) or Kubernetes (dask-kubernetes); each worker needs
  this repository at the instructor's commit, its .venv, and bubblewrap.

A worker that dies costs only the notebook it was grading: Dask gives it to
another worker (up to ``distributed.scheduler.allowed-failures`` times).
"""

from __future__ import annotations

import contextlib
import os


class SchedulerUnreachable(RuntimeError):
    """The Dask scheduler named by SCHEDULER= did not answer."""


@contextlib.contextmanager
def grading_client(jobs: int = 1, scheduler: str | None = None, connect_timeout: float | None = None):
    """A ``distributed.Client`` on the chosen cluster, closed (with a local cluster's workers) on exit.

    ``connect_timeout``: seconds to wait for ``scheduler``; by default Dask's own setting
    ``distributed.comm.timeouts.connect`` (30 s unless configured, e.g. ``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=10s``).
    """
    import dask
    from dask.utils import parse_timedelta
    from distributed import Client, LocalCluster

    if scheduler:
        if connect_timeout is None:
            connect_timeout = parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"), default="seconds")
        try:
            client = Client(scheduler, timeout=connect_timeout)
        except OSError as error:
            raise SchedulerUnreachable(
                f"no Dask scheduler answered at {scheduler} within {connect_timeout:.0f} s ({error}). Start one "
                "(`dask scheduler`) and its workers (`dask worker <address> --nthreads 1`), or leave SCHEDULER "
                "unset to grade on this machine.") from None
        with client:
            yield client
        return
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    with environment_kept(), LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                          dashboard_address=":0", memory_limit=0) as cluster, Client(cluster) as client:
        yield client


@contextlib.contextmanager
def environment_kept():
    """This process's environment as it was, once the local cluster is gone.

    Dask's nanny hands its workers ``distributed.nanny.pre-spawn-environ`` (``OMP_NUM_THREADS=1`` and the like) by
    setting it in the process that starts them, and leaves it set: every later child of that process (a notebook's
    kernel, a test's subprocess, the next command run from an instructor's notebook) would compute on one thread.
    """
    import dask

    names = set()
    for key in ("distributed.nanny.pre-spawn-environ", "distributed.nanny.environ"):
        names |= set(dask.config.get(key, default={}) or {})
    before = {name: os.environ.get(name) for name in names}
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def check_workers(client, sandbox: bool) -> None:
    """Every worker can import the course, and (with ``sandbox``) start the sandbox; raises otherwise."""
    from ..worker.sandbox import check_available

    if not client.scheduler_info().get("workers"):
        client.wait_for_workers(1, timeout=120)
    if sandbox:
        client.run(check_available)
