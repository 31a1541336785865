"""How many students a machine holds on the class's hub, and what machine a class needs, from measured figures.

The figures come from ``make bench-hub`` (``bench_hub``): what one student with a stage open costs.
The model, stated so that an instructor can redo it with their own numbers:

* **memory**: ``reserve + shared + N × (unique + running_share × transient)``, where ``unique`` is
  what each student's processes alone hold (USS), ``shared`` the pages all of them map from the same
  files (torch, Python), in memory once however many students there are, ``transient`` what a
  running cell adds on top of a student at rest (paid by the students running a cell at that
  moment), and ``reserve`` the system and the hub itself;
* **CPU**: ``N × (idle_cores + running_share × cores_per_running_cell)``: an idle student's server
  and kernel keep a little CPU busy, and each student running a cell at that moment gets
  ``cores_per_running_cell`` cores (one core: a cell then returns in about its CPU seconds).

``running_share`` (the share of the class running a cell at the same moment) is the assumption
that matters most for CPU; it is printed next to every figure that depends on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

GIB = 1 << 30
#: Memory sizes (GiB) and core counts that machines are commonly sold or rented with.
MEMORY_SIZES_GIB = (8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048)
CORE_COUNTS = (2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)


@dataclass(frozen=True)
class StudentCost:
    """What one student with a stage open costs, measured."""

    unique_bytes: int           # resident memory only their processes hold (USS), at rest with the stage open
    shared_bytes: int           # resident memory all students' processes share, counted once for the class
    transient_bytes: int        # extra resident memory while one of their cells runs
    idle_cores: float           # cores kept busy by their server and kernel at rest


@dataclass(frozen=True)
class Assumptions:
    running_share: float                # share of the students running a cell at the same moment, 0..1
    reserve_bytes: int                  # memory for the operating system and the hub itself
    cores_per_running_cell: float = 1.0

    def __post_init__(self):
        if not 0 <= self.running_share <= 1:
            raise ValueError(f"running_share is a share of the class, between 0 and 1, not {self.running_share}")
        if self.cores_per_running_cell <= 0:
            raise ValueError("cores_per_running_cell must be positive")


@dataclass(frozen=True)
class Machine:
    memory_bytes: int
    cores: float

    @property
    def memory_gib(self) -> float:
        return self.memory_bytes / GIB


@dataclass(frozen=True)
class Held:
    """How many students with a stage open a machine holds, by its memory and by its cores."""

    by_memory: int
    by_cpu: int

    @property
    def students(self) -> int:
        return min(self.by_memory, self.by_cpu)

    @property
    def bound(self) -> str:
        return "memory" if self.by_memory <= self.by_cpu else "CPU"


def memory_per_student(cost: StudentCost, assumptions: Assumptions) -> float:
    return cost.unique_bytes + assumptions.running_share * cost.transient_bytes


def cores_per_student(cost: StudentCost, assumptions: Assumptions) -> float:
    return cost.idle_cores + assumptions.running_share * assumptions.cores_per_running_cell


def students_held(machine: Machine, cost: StudentCost, assumptions: Assumptions) -> Held:
    """The largest class, with the stage open, whose memory and CPU need fit ``machine``."""
    free = machine.memory_bytes - assumptions.reserve_bytes - cost.shared_bytes
    by_memory = max(0, math.floor(free / memory_per_student(cost, assumptions))) if free > 0 else 0
    per_core = cores_per_student(cost, assumptions)
    by_cpu = math.floor(machine.cores / per_core) if per_core > 0 else 10 ** 9
    return Held(by_memory, by_cpu)


def machine_for(students: int, cost: StudentCost, assumptions: Assumptions) -> Machine:
    """The memory and cores ``students`` with the stage open need, by the model above (no rounding up)."""
    memory = assumptions.reserve_bytes + cost.shared_bytes + students * memory_per_student(cost, assumptions)
    return Machine(math.ceil(memory), students * cores_per_student(cost, assumptions))


def next_size(value: float, sizes: tuple) -> float | None:
    """The smallest common size at least ``value``; None above the largest."""
    return next((size for size in sizes if size >= value), None)
