"""What a set of processes costs the machine: resident memory and CPU seconds, measured with psutil on the host.

On the class's hub a student's server runs as the student's own system account, so everything
that account runs (JupyterLab with nbgrader's handlers, each kernel) is that student's footprint:
:func:`processes_of_uid`. The hub's own share (JupyterHub, its proxy, the idle culler, the root-owned
``prlimit``/``bwrap`` parents of each sandbox) is :func:`hub_processes`.

Memory is read from ``/proc/<pid>/smaps`` where it is readable (as root):

* USS, the pages only these processes use: what stopping them would free, so what one more
  student adds once the libraries are in memory;
* PSS, USS plus each shared page divided by the number of processes that map it (the torch and
  Python libraries, mapped by every kernel from the same ``.venv`` files, are in memory once).

Where smaps is not readable only RSS is known (shared pages counted in full by every process);
:attr:`Footprint.memory_kind` says which was measured.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass

import psutil


@dataclass(frozen=True)
class Footprint:
    """Resident memory (bytes) and CPU time of some processes at one moment."""

    processes: int
    rss: int
    uss: int | None             # None where /proc/<pid>/smaps could not be read
    pss: int | None
    cpu_seconds: float          # user + system of the living processes and of the children they have reaped

    @property
    def memory_kind(self) -> str:
        return "USS/PSS" if self.uss is not None else "RSS"

    @property
    def unique(self) -> int:
        """The memory these processes alone hold: USS, or RSS where USS is unknown (an upper bound)."""
        return self.uss if self.uss is not None else self.rss

    @property
    def shared_share(self) -> int:
        """Their share of pages mapped by other processes too (PSS − USS; 0 where unknown)."""
        return self.pss - self.uss if self.uss is not None and self.pss is not None else 0


def processes_of_uid(uid: int) -> list[psutil.Process]:
    """Every process whose real uid is ``uid``."""
    return [p for p in psutil.process_iter(["uids"]) if p.info["uids"] and p.info["uids"].real == uid]


def hub_processes(hub_pid: int, student_uids: set[int]) -> list[psutil.Process]:
    """The hub's process and its descendants that do not run as a student (its proxy, services, sandbox parents)."""
    try:
        hub = psutil.Process(hub_pid)
        tree = [hub, *hub.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []
    found = []
    for process in tree:
        try:
            if process.uids().real not in student_uids:
                found.append(process)
        except psutil.Error:
            continue
    return found


def footprint(processes: list[psutil.Process]) -> Footprint:
    """Add up the memory and CPU time of ``processes`` (those that end meanwhile are left out)."""
    count = rss = uss = pss = 0
    cpu = 0.0
    smaps = True
    for process in processes:
        try:
            with process.oneshot():
                times = process.cpu_times()
                if smaps:
                    try:
                        full = process.memory_full_info()
                        uss += full.uss
                        pss += getattr(full, "pss", full.uss)
                        rss += full.rss
                    except psutil.AccessDenied:
                        smaps = False
                        rss += process.memory_info().rss
                else:
                    rss += process.memory_info().rss
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
        cpu += times.user + times.system + times.children_user + times.children_system
        count += 1
    return Footprint(count, rss, uss if smaps else None, pss if smaps else None, cpu)


def footprint_of_uid(uid: int) -> Footprint:
    return footprint(processes_of_uid(uid))


class PeakResidentSampler:
    """The highest RSS (bytes, all processes of the uid together) each of some uids reaches, sampled in a thread.

    RSS, not USS: reading smaps for every process twice a second would load the machine being measured.
    ``with PeakResidentSampler() as peaks: peaks.watch(uid) …; peaks.peak(uid)``."""

    def __init__(self, interval: float = 0.5):
        self.interval = interval
        self._uids: set[int] = set()
        self._peaks: dict[int, int] = defaultdict(int)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="peak-resident-sampler", daemon=True)

    def watch(self, uid: int) -> None:
        with self._lock:
            self._uids.add(uid)

    def peak(self, uid: int) -> int:
        with self._lock:
            return self._peaks[uid]

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                uids = set(self._uids)
            if not uids:
                continue
            now: dict[int, int] = defaultdict(int)
            for process in psutil.process_iter(["uids", "memory_info"]):
                ids, memory = process.info["uids"], process.info["memory_info"]
                if ids and memory and ids.real in uids:
                    now[ids.real] += memory.rss
            with self._lock:
                for uid, rss in now.items():
                    self._peaks[uid] = max(self._peaks[uid], rss)

    def __enter__(self) -> "PeakResidentSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
