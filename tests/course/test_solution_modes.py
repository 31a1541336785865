"""The solution notebooks give a model back in each module's own mode (issue 28): ``utils.models.evaluating``,
never ``model.train(was_training)``, which puts every module in the model's one mode."""

from pathlib import Path

import torch
from torch import nn

from utils.checks import your_functions

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"


def half_in_train_mode() -> nn.Module:
    """A model in train mode whose batch norm is frozen (eval mode), as when fine-tuning with fixed statistics."""
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(2 * 4 * 4, 3)).train()
    model[1].eval()
    return model


def test_count_flops_forward_keeps_each_modules_mode():
    notebook = SOLUTIONS / "07_complexity" / "07_complexity.ipynb"
    count_flops_forward = your_functions("07_complexity", "count_flops_forward", notebook=notebook)[
        "count_flops_forward"]
    model = half_in_train_mode()
    modes = [m.training for m in model.modules()]
    assert count_flops_forward(model, 1, 6, 6) == 2 * 9 * 16 + 32 * 3
    assert [m.training for m in model.modules()] == modes, "the frozen batch norm was put back in train mode"


def test_no_solution_code_flattens_the_modes():
    import nbformat

    for path in sorted(SOLUTIONS.glob("*/*.ipynb")):
        for cell in nbformat.read(str(path), as_version=4).cells:
            assert cell.cell_type != "code" or ".train(was_training)" not in cell.source, \
                f"{path.name}: restore modes with utils.models.evaluating, not model.train(was_training)"
