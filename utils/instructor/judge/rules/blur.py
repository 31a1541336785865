"""Rule "blur": a heavy blur of the input, judged by what a blur baseline must be."""

from __future__ import annotations

import torch

from utils.properties import check_blur_baseline

from .base import CaseToCompute, CaseToJudge, Rule, float64_array


class Blur(Rule):
    """Little of the input's fine detail left, its layout and mean colour kept (``utils.properties.check_blur_baseline``
    decides, with the visible check's thresholds); any heavy enough blur passes, not only the course's kernel."""

    name = "blur"
    uses_answer_key = False

    def expected(self, asked: CaseToCompute) -> tuple[dict, dict]:
        return {}, {"x": float64_array(asked.case.args[0])}

    def judge(self, case: CaseToJudge):
        value = case.value()
        x = torch.from_numpy(case.expected["x"])
        try:
            check_blur_baseline(value, x, case.function)
        except AssertionError as failure:
            raise AssertionError(f"{case.what}: {failure}") from None
