"""What each kernel warming ahead costs while it waits: the memory of a sandboxed grading kernel that has done the
notebooks' imports (``grading/worker/warm_kernels.py``), measured on the host with ``process_footprint``.

    python -m utils.instructor.tools.warm_kernel_memory [--depth 2]      (also printed by make bench-grading)

Each kernel runs as a sandbox uid of its own (as root), so its footprint is that uid's processes. USS is what
stopping it would free; PSS adds its share of the pages it maps with the other kernels (torch's libraries, from the
same files, are in memory once).
"""

from __future__ import annotations

import argparse
import os

from jupyter_client import BlockingKernelClient

from ..grading.worker.sandboxed_kernel import SandboxedKernelManager
from ..grading.worker.warm_kernels import WarmKernels
from .process_footprint import Footprint, footprint_of_uid

MIB = 1 << 20


def _ready(manager, timeout: float = 300) -> None:
    """Wait until the kernel answers, so its start-up imports are done."""
    client = BlockingKernelClient()
    client.load_connection_info(manager.get_connection_info())
    client.start_channels()
    try:
        client.wait_for_ready(timeout=timeout)
    finally:
        client.stop_channels()


def warm_kernel_memory(depth: int = 2) -> list[Footprint]:
    """The footprint of each of ``depth`` kernels warmed up as a worker warms them, once their imports are done."""
    if os.geteuid() != 0:
        raise PermissionError("each grading kernel's memory is read from its own sandbox uid's processes, which "
                              "only root can read: run this as root (as make autograde runs the sandbox)")
    pool = WarmKernels(depth)
    try:
        pool.fill(SandboxedKernelManager, "python3", ["--HistoryManager.hist_file=:memory:"])
        for manager in pool.warming:
            _ready(manager)
        return [footprint_of_uid(manager.uid) for manager in pool.warming]
    finally:
        pool.close()


def report(footprints: list[Footprint]) -> str:
    """One line: what each warm kernel costs, and all of them together."""
    each = ", ".join(f"{f.unique / MIB:.0f} MiB" for f in footprints)
    pss = sum(f.pss or f.rss for f in footprints) / MIB
    return (f"{len(footprints)} kernel(s) warming ahead, each waiting with its imports done: {each} "
            f"({footprints[0].memory_kind.split('/')[0]}; {pss:.0f} MiB PSS together)")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--depth", type=int, default=2, help="how many kernels warm ahead (warm_kernel_count)")
    print(report(warm_kernel_memory(parser.parse_args(argv).depth)))


if __name__ == "__main__":
    main()
