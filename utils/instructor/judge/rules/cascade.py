"""Rule "cascade": the model randomisation test, judged from which models explain was given, then its curve."""

from __future__ import annotations

import numpy as np
import torch

from ..mistakes import Failure
from .base import CaseToCompute, CaseToJudge, Rule, float64_array, largest_difference


class Cascade(Rule):
    """First the record of explain's calls: one row per call, one flag per parameterised layer (1: randomised,
    −1: not a copy of the model at all). The trained model must be among them, and each randomised model must have
    its top k layers randomised (nearest the output). Then the curve: one rank correlation per entry of ``layers``,
    each within rtol (absolute) of the answer key's."""

    name = "cascade"
    has_tolerance = True

    def expected(self, asked: CaseToCompute) -> tuple[dict, dict]:
        return {}, {"value": float64_array(asked.answer())}

    def error(self, actual, expected: dict, facts: dict) -> float:
        """max over the entries of ``layers`` of |actual − expected| (rank correlations)."""
        return largest_difference(actual, expected["value"])

    def judge(self, case: CaseToJudge):
        if case.record.get("kind") not in ("stub", "error", "none", "badtype"):
            _judge_calls(case)
        value = case.value()
        wanted = torch.from_numpy(np.array(case.expected["value"], dtype=np.float64)).reshape(-1)
        if not isinstance(value, torch.Tensor) or value.numel() != wanted.numel():
            got = "one number" if not isinstance(value, torch.Tensor) else f"{value.numel()} values"
            raise AssertionError(f"{case.about}: returned {got}; return one correlation per entry of layers.")
        actual = value.reshape(-1)
        if not torch.isfinite(actual).all():
            raise AssertionError(f"{case.about}: the curve holds NaN or infinite values (a constant map has "
                                 "correlation 0.0).")
        error = self.error(actual, case.expected, case.facts)
        if not error <= case.rtol:
            raise AssertionError(f"{case.about}: the maps were computed on the right models, but the correlations "
                                 f"are off by up to {error:.3g}. Compare each randomised model's map with the trained "
                                 "model's map using rank_correlation with its default absolute=True, in the order of "
                                 "layers.")


def _judge_calls(case: CaseToJudge) -> None:
    """Which models explain was given, and whether x and the target were passed on."""
    calls = case.record.get("calls") or {}
    if not calls.get("count"):
        raise AssertionError(f"{case.about}: explain was never called; compute each map with the explain "
                             "function you are given.")
    flags = np.array(case.arrays.get(f"{case.key}_flags", np.zeros((0, 0))), dtype=np.float64)
    if flags.ndim != 2 or len(flags) != calls["count"]:
        raise AssertionError(f"{case.about}: the record of explain's calls is malformed.")
    if (flags < 0).any():
        raise AssertionError(f"{case.about}: explain was given something that is not a copy of the model; pass "
                             "explain the model itself, then each randomised copy.")
    if not (flags == 0).all(axis=1).any():
        raise AssertionError(f"{case.about}: explain was never given the trained model; every point of the curve "
                             "compares a randomised model's map with the map of the trained (original) model.")
    for row in flags.astype(bool):
        k = int(row.sum())
        if k and not row[len(row) - k:].all():
            where = "nearest the input" if row[:k].all() else "that are not the top ones"
            raise Failure(f"{case.about}: explain was given a model whose randomised layers are {where}. "
                          "Step k of the cascade randomises the k parameterised layers nearest the output "
                          "(use your randomize_layers(model, k)).",
                          mistake="randomized_from_input" if row[:k].all() else None)
    if not (calls.get("inputs_passed_on") and calls.get("class_passed_on")):
        raise AssertionError(f"{case.about}: pass x and target on to explain unchanged.")
