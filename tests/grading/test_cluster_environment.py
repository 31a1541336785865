"""A local grading cluster leaves its host's environment as it found it: Dask's nanny sets ``OMP_NUM_THREADS=1``
(its ``pre-spawn-environ``) in the process that starts the workers, and every later child of that process — the
test suite's notebook kernels, an instructor's next command — computed on one thread."""

from __future__ import annotations

import os


def test_the_thread_settings_dask_gives_its_workers_do_not_stay_in_the_host(monkeypatch):
    from utils.instructor.grading.host.cluster import grading_client

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "2")
    with grading_client(jobs=1) as client:
        workers_threads = client.run(lambda: os.environ.get("OMP_NUM_THREADS"))
    assert set(workers_threads.values()) == {"1"}       # the workers still get Dask's one thread each
    assert "OMP_NUM_THREADS" not in os.environ           # the host does not keep it
    assert os.environ["MKL_NUM_THREADS"] == "2"          # and what the host had, it keeps
