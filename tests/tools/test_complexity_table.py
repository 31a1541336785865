"""make complexity-table: stage 07's methods then stage 09's, each with its cost and its memory, measured where the
others are (ResNet-18 at 96×96, a few seconds)."""

from utils.explorer.complexity import BACKGROUND_INPUTS
from utils.instructor.tools import complexity_table


def rows(output: str) -> dict:
    table = [line.strip("|").split("|") for line in output.splitlines() if line.startswith("| ") and "---" not in line]
    header = [cell.strip() for cell in table[0]]
    return {cells[0].strip(): dict(zip(header, (c.strip() for c in cells))) for cells in table[1:]}


def test_the_table_lists_stage_09s_methods_with_their_cost_and_memory(capsys):
    complexity_table.main(["--model", "ResNet-18", "--size", "96", "--steps", "7", "--samples", "2",
                           "--draws", "24", "--device", "cpu"])
    output = capsys.readouterr().out
    table = rows(output)
    assert list(table) == ["CAM", "Grad-CAM", "Grad-CAM++", "Integrated Gradients", "SmoothGrad + IG",
                           "SmoothGrad + Grad-CAM", "SmoothGrad + Grad-CAM++", "HiResCAM", "XGrad-CAM", "LayerCAM",
                           "Expected Gradients"]
    for cam in ("HiResCAM", "XGrad-CAM", "LayerCAM"):
        assert {k: v for k, v in table[cam].items() if k != "method"} == \
            {k: v for k, v in table["Grad-CAM"].items() if k != "method"}
    eg, ig = table["Expected Gradients"], table["Integrated Gradients"]
    assert eg["× forward"] == str(3 * 24) and ig["× forward"] == str(3 * 8)
    assert eg["measured / estimated"] == ig["measured / estimated"]  # its 24 points timed as IG's 8 are
    held = "est. if all held at once (MiB)"
    background_mib = (BACKGROUND_INPUTS + 24) * 3 * 96 * 96 * 4 / 2**20
    assert abs(float(eg[held]) - (3 * float(ig[held]) + background_mib)) <= 2  # 24 inputs against 8, + background
    assert f"background ({BACKGROUND_INPUTS} inputs)" in output and "n = 24" in output
