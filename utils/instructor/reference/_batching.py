"""Split many forward/backward passes into batches that fit in memory: the rule lives in :mod:`utils.batching`.

The complexity estimator (student-facing, which must not import the answer key)
uses the same rule to estimate what the course's batched computation holds.
"""

from utils.batching import CPU_ELEMENT_BUDGET, CPU_MAX_BATCH, auto_batch_size, batch_slices

__all__ = ["CPU_ELEMENT_BUDGET", "CPU_MAX_BATCH", "auto_batch_size", "batch_slices"]
