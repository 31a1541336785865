"""Rule "layers": which parameterised layers of a returned model differ from the original."""

from __future__ import annotations

import numpy as np
import torch

from ..mistakes import Failure
from .base import CaseToCompute, CaseToJudge, Rule, float64_array


class Layers(Rule):
    """The same 0/1 vector as the answer key's, one entry per parameterised layer in ``model.modules()`` order
    (1: it differs from the original; ``HiddenTest.summary`` turns a returned model into this vector on both sides).

    A wrong vector names its cause: layers[-0:] for n_layers = 0, the layers nearest the input, a wrong count."""

    name = "layers"

    def expected(self, asked: CaseToCompute) -> tuple[dict, dict]:
        return {}, {"value": float64_array(asked.answer())}

    def judge(self, case: CaseToJudge):
        actual = case.value()
        wanted = torch.from_numpy(np.array(case.expected["value"], dtype=np.float64))
        if not isinstance(actual, torch.Tensor) or actual.shape != wanted.shape:
            raise AssertionError(f"{case.about}: the record of which layers changed is malformed.")
        got, want = actual.bool(), wanted.bool()
        if torch.equal(got, want):
            return
        n_got, n_want = int(got.sum()), int(want.sum())
        if n_want == 0:
            raise Failure(f"{case.about}: with n_layers=0 the copy must equal the original, but {n_got} of its "
                          "parameterised layers differ (careful: layers[-0:] is the whole list, not an empty one).",
                          mistake="negative_zero_slice")
        if n_got == 0:
            raise AssertionError(f"{case.about}: no parameterised layer of the returned model differs from the "
                                 "original. Re-initialise the last n_layers parameterised layers of the copy "
                                 "(layer.reset_parameters()).")
        if n_got == n_want and bool(got[:n_got].all()):
            raise Failure(f"{case.about}: re-initialised the {n_got} parameterised layer(s) nearest the input. The "
                          "cascade randomises from the top: the LAST n_layers parameterised layers in "
                          "model.modules() order, nearest the output.", mistake="randomized_from_input")
        if n_got != n_want:
            raise Failure(f"{case.about}: {n_got} parameterised layer(s) differ from the original instead of "
                          "n_layers. Count every module that owns parameters directly (Conv2d, Linear and batch "
                          "norm alike: next(m.parameters(recurse=False), None) is not None), each once, and change "
                          "only those in the copy.", mistake="layer_count")
        raise AssertionError(f"{case.about}: re-initialised other layers than the last n_layers parameterised layers "
                             "of model.modules() (the ones nearest the output; batch norm layers own parameters too, "
                             "so they count).")
