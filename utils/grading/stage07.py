"""Hidden checks of stage 07: MACs of a forward pass, and each method's cost in forward passes."""

from __future__ import annotations

import torch
import torchvision
from torch import nn

from utils import reference

from ._compare import assert_equal_number
from ._guards import call_function, call_student, fresh_model
from ._integrity import assert_untampered


def _unseen_net() -> nn.Module:
    """Strides, a grouped and a depthwise convolution, a convolution used twice, pooling, two Linear layers.

    Built from torch modules only (a forward defined in this package would count as
    calling the grader)."""
    shared = nn.Conv2d(24, 24, 1)
    return nn.Sequential(
        nn.Conv2d(3, 12, 5, stride=2, padding=2), nn.ReLU(),
        nn.Conv2d(12, 24, 3, padding=1, groups=3), nn.ReLU(),
        nn.Conv2d(24, 24, 3, stride=2, padding=1, groups=24), nn.ReLU(),
        shared, nn.ReLU(), shared,  # the same module twice: both calls cost
        nn.AdaptiveAvgPool2d((2, 3)), nn.Flatten(),
        nn.Linear(24 * 6, 40), nn.ReLU(), nn.Linear(40, 7),
    ).eval()


def check_count_flops_forward_custom(count_flops_forward) -> None:
    assert_untampered()
    torch.manual_seed(71)
    model = _unseen_net()
    for size in ((40, 56), (33, 33)):
        expected = reference.count_flops_forward(model, 3, *size)
        result = call_student(count_flops_forward, model, 3, *size)
        assert_equal_number(result, expected, name="count_flops_forward",
                            case=f"on a network you have not seen (strides, groups, a layer used twice, Linear "
                                 f"layers) at {size[0]}x{size[1]}")


def check_count_flops_forward_models(count_flops_forward) -> None:
    assert_untampered()
    cases = [(fresh_model("tiny"), 1, 20, 36, "TinyGradCAMNet at 20x36"),
             (torchvision.models.mobilenet_v2(weights=None).eval(), 3, 96, 128, "MobileNetV2 at 96x128"),
             (torchvision.models.resnet18(weights=None).train(), 3, 112, 80,
              "ResNet-18 at 112x80, handed over in train mode")]
    for model, in_ch, H, W, case in cases:
        expected = reference.count_flops_forward(model, in_ch, H, W)
        result = call_student(count_flops_forward, model, in_ch, H, W)
        assert_equal_number(result, expected, name="count_flops_forward", case=f"on {case}")


def check_cost_multipliers(cost_multipliers) -> None:
    assert_untampered()
    for steps, n_samples in ((1, 1), (7, 3), (64, 10)):
        expected = reference.cost_multipliers(steps, n_samples)
        result = call_function(cost_multipliers, steps, n_samples)
        if not isinstance(result, dict):
            raise AssertionError(f"cost_multipliers returned {type(result).__name__}; return a dict.")
        missing, extra = set(expected) - set(result), set(result) - set(expected)
        if missing or extra:
            raise AssertionError(f"cost_multipliers: missing keys {sorted(missing)}, unexpected keys {sorted(extra)}.")
        for method, value in expected.items():
            assert_equal_number(result[method], value, name="cost_multipliers",
                                case=f"for {method!r} with steps={steps}, n_samples={n_samples}")
