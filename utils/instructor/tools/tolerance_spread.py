"""The tolerances' table: how far the correct ways of computing each hidden test's answer spread, and how near
the classic mistakes come. Every tolerance in ``utils/recording/stageNN.py`` is chosen from it.

For every hidden test whose rule accepts an answer within a tolerance (``Rule.has_tolerance``: close, gap,
number, curve, cascade), on each of its cases, by the rule's own measure (``Rule.error``, what the judge compares
with ``rtol``):

* **spread**: the largest error between an answer key's float32 value, computed under any CPU capability PyTorch
  can select on this machine (``ATEN_CPU_CAPABILITY``, one process each: what a cache made on another kind of CPU
  holds), and the same answer computed correctly in any of these ways::

      float32 under every CPU capability      float64 (a float64 copy of the model and inputs)
      channels-last memory format             contiguous (for the cases handed over channels-last)
      in a batch with another input (pixel methods and curves)
      on one thread instead of all            on a GPU ("on cuda", by ``make gpu-check``, TF32 off)

* **nearest mistake**: the smallest error of the classic mistakes the test names (``HiddenTest.mistakes``), and,
  for maps, of the answer's opposite sign and absolute value; for a gap, of its opposite sign.

A tolerance is sound when ``MARGIN · spread ≤ rtol ≤ nearest mistake / MARGIN``.

    python -m utils.instructor.tools.tolerance_spread [--stages 01 03] [--write]

``--write`` stores the table in ``docs/tolerances.json`` (read by the tests) and ``docs/tolerances.md`` (for the
maintainer); without it the table is only printed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import torch
from torch import nn

from utils.recording._cases import Case, HiddenTest

from ..judge.expected import stage_tests
from ..judge.rules import CaseToCompute, rule_of
from ..paths import ROOT, stages

MARGIN = 3.0
TABLE_JSON = ROOT / "docs" / "tolerances.json"
TABLE_MARKDOWN = ROOT / "docs" / "tolerances.md"
# The answer-key functions that call the model on whole inputs only (no layer read inside), so that running the
# model in a batch beside another input is a correct way to compute them.
IN_BATCH = ("vanilla_gradients", "gradient_x_input", "integrated_gradients", "completeness_gap", "deletion_curve",
            "insertion_curve")


def capabilities() -> tuple[str, ...]:
    """The values of ``ATEN_CPU_CAPABILITY`` PyTorch's CPU kernels come in for this processor family."""
    machine = platform.machine().lower()
    if machine in ("x86_64", "amd64"):
        return ("default", "avx2", "avx512")
    if machine in ("aarch64", "arm64"):
        return ("default", "sve256")
    return ("default",)


def hidden_tests_with_tolerance(stage_names) -> list[HiddenTest]:
    return [test for stage in stage_names for test in stage_tests(stage) if rule_of(test.rule).has_tolerance]


# ---- the correct ways: each turns a freshly built case into another correct computation of the same answer ----

def _each_argument(case: Case, change: Callable) -> Case:
    return dataclasses.replace(case, args=tuple(change(a) for a in case.args),
                               kwargs={k: change(v) for k, v in case.kwargs.items()})


def in_float64(case: Case) -> Case:
    """Models (in place, so layers handed over with them follow) and floating tensors in float64."""
    def change(value):
        if isinstance(value, nn.Module):
            return value.double()
        if isinstance(value, torch.Tensor) and value.is_floating_point():
            return value.double()
        return value
    return _each_argument(case, change)


def in_memory_format(memory_format: torch.memory_format) -> Callable[[Case], Case]:
    """Models and 4-D tensors in ``memory_format`` (``torch.channels_last``, or ``torch.contiguous_format`` for the
    cases handed over channels-last)."""
    def change(value):
        if isinstance(value, nn.Module):
            return value.to(memory_format=memory_format)
        if isinstance(value, torch.Tensor) and value.dim() == 4:
            return value.contiguous(memory_format=memory_format)
        return value
    return lambda case: _each_argument(case, change)


def on_device(device: str) -> Callable[[Case], Case]:
    """Models and tensors moved to ``device`` (the results come back to the CPU with the rule's arrays)."""
    def change(value):
        return value.to(device) if isinstance(value, (nn.Module, torch.Tensor)) else value
    return lambda case: _each_argument(case, change)


class InBatch(nn.Module):
    """``model`` run on its input with a companion input appended to the batch; only the input's rows come back
    (the companion carries no gradient to the input): f(x) = model([x; companion])[:len(x)]."""

    def __init__(self, model: nn.Module, companion: torch.Tensor):
        super().__init__()
        self.model, self.companion = model, companion

    def forward(self, x):
        companion = self.companion.to(x.dtype).expand(1, *x.shape[1:])
        return self.model(torch.cat([x, companion]))[: len(x)]


def in_batch(case: Case) -> Case:
    """The model (the first argument) run with the input's mirror image beside it in each batch."""
    model, x, *rest = case.args
    return dataclasses.replace(case, args=(InBatch(model, torch.flip(x, dims=[-1]).detach()), x, *rest))


@contextmanager
def _threads(count: int) -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def answers(test: HiddenTest, way: str) -> list[tuple[dict, dict]] | None:
    """(facts, arrays) of the answer key on each case of ``test``, computed ``way``; None where it does not apply.
    The classic mistakes are left out: these are the answer's values only, as the rule stores them."""
    if way == "in a batch" and test.expected not in IN_BATCH:
        return None
    if way.startswith("on "):
        change = on_device(way.removeprefix("on "))
    else:
        change = {"as cached": lambda c: c, "float64": in_float64,
                  "channels-last": in_memory_format(torch.channels_last),
                  "contiguous": in_memory_format(torch.contiguous_format),
                  "in a batch": in_batch, "one thread": lambda c: c}[way]
    rule, bare = rule_of(test.rule), dataclasses.replace(test, mistakes=())
    with torch.random.fork_rng(), _threads(1 if way == "one thread" else torch.get_num_threads()):
        return [rule.expected(CaseToCompute(bare, change(case))) for case in test.cases()]


def answer_value(facts: dict, arrays: dict):
    """What a function returned, as the rule reads it back from the expected values it stored."""
    return arrays["value"] if "value" in arrays else facts["value"]


# ---- one process per CPU capability ---------------------------------------------------------------------------

def answers_under(capability: str, stage_names) -> tuple[str, dict] | None:
    """The float32 answers of every test under ``ATEN_CPU_CAPABILITY=capability``, computed in a process of their
    own: (the capability PyTorch reports there, {grade_id: [(facts, arrays)]}); None when PyTorch cannot use it."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "answers.npz"
        env = {**os.environ, "ATEN_CPU_CAPABILITY": capability}
        subprocess.run([sys.executable, "-m", "utils.instructor.tools.tolerance_spread", "--answers-to", str(out), "--stages", *stage_names],
                       check=True, env=env, cwd=ROOT)
        with np.load(out, allow_pickle=False) as npz:
            stored = json.loads(str(npz["__facts__"]))
            found = {name: npz[name] for name in npz.files if name != "__facts__"}
    if stored["capability"].lower() != capability.lower():
        return None
    results = {grade_id: [(facts, {name.split("/", 2)[2]: a for name, a in found.items()
                                   if name.startswith(f"{grade_id}/{i}/")}) for i, facts in enumerate(cases)]
               for grade_id, cases in stored["facts"].items()}
    return stored["capability"], results


def _write_answers(out: Path, stage_names) -> None:
    facts, arrays = {}, {}
    for test in hidden_tests_with_tolerance(stage_names):
        facts[test.grade_id] = []
        for i, (case_facts, case_arrays) in enumerate(answers(test, "as cached")):
            facts[test.grade_id].append(case_facts)
            arrays.update({f"{test.grade_id}/{i}/{name}": a for name, a in case_arrays.items()})
    header = {"capability": torch.backends.cpu.get_cpu_capability(), "facts": facts}
    np.savez(out, __facts__=np.array(json.dumps(header)), **arrays)


# ---- the table ---------------------------------------------------------------------------------------------------

@dataclasses.dataclass
class ToleranceRow:
    """One hidden test's row: its tolerance, the largest spread of correct answers and the nearest mistake."""

    grade_id: str
    rule: str
    rtol: float
    spread: float
    spread_between: str
    nearest_mistake: float | None
    nearest_mistake_name: str

    @property
    def sound(self) -> bool:
        """MARGIN · spread ≤ rtol ≤ nearest mistake / MARGIN."""
        above = MARGIN * self.spread <= self.rtol
        below = self.nearest_mistake is None or self.rtol <= self.nearest_mistake / MARGIN
        return above and below


def _mistake_errors(test: HiddenTest, facts: dict, arrays: dict) -> dict[str, float]:
    """The error of each classic mistake (its arrays, computed with the key) and of the sign and absolute value."""
    rule = rule_of(test.rule)
    errors = {name.removeprefix("mistake:"): rule.error(torch.from_numpy(a), arrays, facts)
              for name, a in arrays.items() if name.startswith("mistake:") and a.shape == arrays["value"].shape}
    if test.rule == "close":
        value = torch.from_numpy(arrays["value"])
        errors["opposite_sign"] = rule.error(-value, arrays, facts)
        if not torch.equal(value.abs(), value):
            errors["absolute_value"] = rule.error(value.abs(), arrays, facts)
    if test.rule == "gap":
        errors["gap_sign"] = rule.error(-facts["value"], arrays, facts)
    return {name: error for name, error in errors.items() if error > 0}


WAYS_HERE = ("float64", "channels-last", "contiguous", "in a batch", "one thread")


def measure(stage_names, capability_names=None, ways=WAYS_HERE, log=print, grade_ids=None) -> list[ToleranceRow]:
    """The table's rows for the tests of ``stage_names`` (see the module's docstring); only ``grade_ids`` among
    them when given."""
    under = {}
    for capability in capability_names if capability_names is not None else capabilities():
        found = answers_under(capability, stage_names)
        if found is None:
            log(f"ATEN_CPU_CAPABILITY={capability}: not available on this CPU, left out")
        else:
            under[f"float32 {found[0]}"] = found[1]
    rows = []
    for test in hidden_tests_with_tolerance(stage_names):
        if grade_ids is not None and test.grade_id not in grade_ids:
            continue
        rule = rule_of(test.rule)
        log(f"{test.grade_id}: {len(under)} capabilities, {', '.join(ways)}")
        keys = {name: results[test.grade_id] for name, results in under.items()}
        computed = dict(keys)
        for way in ways:
            if (results := answers(test, way)) is not None:
                computed[way] = results
        spread, between = 0.0, "—"
        for key_name, key_cases in keys.items():
            for way, cases in computed.items():
                for (key_facts, key_arrays), (facts, arrays) in zip(key_cases, cases):
                    error = rule.error(torch.as_tensor(answer_value(facts, arrays)), key_arrays, key_facts)
                    if error > spread:
                        spread, between = error, f"{way} against {key_name}"
        with torch.random.fork_rng():
            mistakes = {}
            for case in test.cases():
                facts, arrays = rule.expected(CaseToCompute(test, case))
                for name, error in _mistake_errors(test, facts, arrays).items():
                    mistakes[name] = min(error, mistakes.get(name, float("inf")))
        nearest = min(mistakes, key=mistakes.get) if mistakes else "—"
        rows.append(ToleranceRow(test.grade_id, test.rule, test.rtol, spread, between,
                               mistakes.get(nearest), nearest))
    return rows


def markdown(rows: list[ToleranceRow]) -> str:
    lines = ["# The hidden tests' tolerances, measured",
             "",
             "Written by `python -m utils.instructor.tools.tolerance_spread --write` (see its docstring for what is",
             "measured); the tolerances' test (`test_tolerances.py`) recomputes a part of it and checks that every tolerance in",
             f"`utils/recording/stageNN.py` is the one measured here. A tolerance is sound when {MARGIN:g} × spread ≤",
             f"tolerance ≤ nearest mistake / {MARGIN:g}. Errors are in the rule's own measure: relative L2 for maps",
             "(close), |Δ| / max(1, |F(x) − F(x′)|) for gaps, the largest absolute difference for numbers, curves",
             "and correlation curves.",
             "",
             "| hidden test | rule | spread of correct answers | largest between | tolerance | nearest mistake | sound |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        mistake = "—" if row.nearest_mistake is None else f"{row.nearest_mistake:.2e} ({row.nearest_mistake_name})"
        lines.append(f"| `{row.grade_id}` | {row.rule} | {row.spread:.2e} | {row.spread_between} | {row.rtol:g} | "
                     f"{mistake} | {'yes' if row.sound else '**no**'} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stages", nargs="*", default=None, help="stage numbers or names (default: every stage)")
    parser.add_argument("--write", action="store_true", help="store the table in docs/tolerances.{json,md}")
    parser.add_argument("--answers-to", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    stage_names = [s for s in stages() if arguments.stages is None
                   or any(s.startswith(n) or s == n for n in arguments.stages)]
    if arguments.answers_to:
        _write_answers(arguments.answers_to, stage_names)
        return 0
    rows = measure(stage_names, log=lambda message: print(message, file=sys.stderr, flush=True))
    print(markdown(rows))
    if arguments.write:
        write_table(rows)
    return 0 if all(row.sound for row in rows) else 1


def read_table() -> list[ToleranceRow]:
    """The stored table's rows (empty when there is none yet)."""
    if not TABLE_JSON.exists():
        return []
    return [ToleranceRow(**row) for row in json.loads(TABLE_JSON.read_text())["tests"]]


def write_table(rows: list[ToleranceRow]) -> None:
    """Store ``rows`` in place of the stored rows of the same tests (the others are kept), in the stages' order."""
    order = [test.grade_id for test in hidden_tests_with_tolerance(stages())]
    merged = {row.grade_id: row for row in read_table() if row.grade_id in order}
    merged.update({row.grade_id: row for row in rows})
    table = [merged[grade_id] for grade_id in order if grade_id in merged]
    TABLE_JSON.write_text(json.dumps({"margin": MARGIN, "tests": [dataclasses.asdict(row) for row in table]},
                                     indent=1) + "\n")
    TABLE_MARKDOWN.write_text(markdown(table))


if __name__ == "__main__":
    sys.exit(main())
