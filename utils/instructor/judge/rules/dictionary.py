"""Rule "dict": the same keys as the answer key's dict, and exactly the same number for each."""

from __future__ import annotations

from ..mistakes import Failure, mistake
from .base import CaseToCompute, CaseToJudge, Rule


class Dictionary(Rule):
    """{method: cost} equal key by key. For a wrong cost: 2/3 of it counts a backward pass as one forward pass
    (it costs two), an IG cost short by one path point's cost (cost / (S + 1)) counts S path points, and any wrong
    CAM cost gives CAM a backward pass."""

    name = "dict"

    def expected(self, asked: CaseToCompute) -> tuple[dict, dict]:
        return {"value": {str(k): float(v) for k, v in asked.answer().items()}}, {}

    def judge(self, case: CaseToJudge):
        name, record, facts = case.function, case.record, case.facts
        if record.get("kind") not in ("dict", "stub", "error", "none"):
            raise AssertionError(f"{name} returned a {record.get('type', record.get('kind'))}; return a dict.")
        case.value()
        got = dict(zip(record["keys"], case.arrays[case.key].tolist()))
        missing, extra = set(facts["value"]) - set(got), set(got) - set(facts["value"])
        if missing or extra:
            raise AssertionError(f"{name}: missing keys {sorted(missing)}, unexpected keys {sorted(extra)}.")
        for method, value in facts["value"].items():
            if got[method] != value:
                found = None
                if got[method] * 3 == value * 2 and method != "CAM":
                    found = "backward_as_one_pass"
                elif "IG" in method or "Integrated" in method:
                    per_point = value / (facts["value"]["Integrated Gradients"] // 3)  # 3 per path point (or 3N)
                    if got[method] == value - per_point:
                        found = "path_points_s"
                elif method == "CAM":
                    found = "cam_backward"
                why = f" {mistake(found).cause}" if found else ""
                raise Failure(f"{name} for {method!r} {case.what}: returned {got[method]:g}, which is not the "
                              f"expected value.{why}", mistake=found)
