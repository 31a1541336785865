"""The answer key's values computed on another kind of CPU than the grading kernels': PyTorch's kernels for
another CPU capability (``ATEN_CPU_CAPABILITY=default``, the portable ones, never what an x86-64 or ARM machine
selects by itself), in a process of their own, written into the cache the judge reads."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import torch

from utils.instructor.paths import ROOT

OTHER_CAPABILITY = "default"

_COMPUTE = """
import json, sys, torch
from utils.instructor.judge import expected
for stage in sys.argv[1:]:
    expected.cache_path(stage).unlink(missing_ok=True)
    expected.load(stage)
print(json.dumps(torch.backends.cpu.get_cpu_capability()))
"""


def expected_values_from_another_cpu(*stages: str) -> dict:
    """Recompute the cached expected values of ``stages`` under ``ATEN_CPU_CAPABILITY=default``; the capability
    they were computed with and the one this process's kernels use (as a grading kernel started from here)."""
    done = subprocess.run([sys.executable, "-c", _COMPUTE, *stages], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "ATEN_CPU_CAPABILITY": OTHER_CAPABILITY})
    if done.returncode:
        raise RuntimeError(f"computing the expected values under ATEN_CPU_CAPABILITY={OTHER_CAPABILITY} failed:\n"
                           f"{done.stderr[-3000:]}")
    return {"expected_values": json.loads(done.stdout.strip().splitlines()[-1]),
            "kernels": torch.backends.cpu.get_cpu_capability()}
