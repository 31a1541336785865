"""Stage 07's graded test cells: MACs of a forward pass, and each method's cost in forward passes."""

from __future__ import annotations

import torch
import torchvision
from torch import nn

from ._cases import Case, HiddenTest, fresh_model, register


def _unseen_net() -> nn.Module:
    """Strides, a grouped and a depthwise convolution, a convolution used twice, pooling, two Linear layers.

    Built from torch modules only, with fixed weights (they do not change the count)."""
    torch.manual_seed(71)
    shared = nn.Conv2d(24, 24, 1)
    return nn.Sequential(
        nn.Conv2d(3, 12, 5, stride=2, padding=2), nn.ReLU(),
        nn.Conv2d(12, 24, 3, padding=1, groups=3), nn.ReLU(),
        nn.Conv2d(24, 24, 3, stride=2, padding=1, groups=24), nn.ReLU(),
        shared, nn.ReLU(), shared,  # the same module twice: both calls cost
        nn.AdaptiveAvgPool2d((2, 3)), nn.Flatten(),
        nn.Linear(24 * 6, 40), nn.ReLU(), nn.Linear(40, 7),
    ).eval()


def _counted(model, in_ch, H, W, what, train_mode=False) -> Case:
    return Case(what, (model, in_ch, H, W), model=model, train_mode=train_mode)


def _visible() -> list[Case]:
    """TinyGradCAMNet, the four one-layer networks of ``utils.known_cases``, ResNet-18: the visible test's calls."""
    from utils.known_cases import mac_cases

    return [_counted(fresh_model("tiny"), 1, 28, 28, "on TinyGradCAMNet at 28x28, as in the visible test"),
            *[_counted(model.eval(), *shape, f"on {what}, as in the visible test")
              for what, model, shape, *_ in mac_cases()],
            _counted(torchvision.models.resnet18(weights=None).eval(), 3, 96, 96,
                     "on ResNet-18 at 96x96, as in the visible test")]


def _custom() -> list[Case]:
    model = _unseen_net()
    return [_counted(model, 3, *size, "on a network you have not seen (strides, groups, a layer used twice, Linear "
                                      f"layers) at {size[0]}x{size[1]}") for size in ((40, 56), (33, 33))]


def _models() -> list[Case]:
    return [_counted(fresh_model("tiny"), 1, 20, 36, "on TinyGradCAMNet at 20x36"),
            _counted(torchvision.models.mobilenet_v2(weights=None).eval(), 3, 96, 128, "on MobileNetV2 at 96x128"),
            _counted(torchvision.models.resnet18(weights=None), 3, 112, 80,
                     "on ResNet-18 at 112x80, handed over in train mode", train_mode=True)]


def _costs(pairs) -> list[Case]:
    return [Case(f"with steps={steps}, n_samples={n_samples}", (steps, n_samples)) for steps, n_samples in pairs]


register(
    HiddenTest("test_count_flops_forward_form", "count_flops_forward", _visible, rule="exact",
               expected="count_flops_forward"),
    HiddenTest("test_count_flops_forward_hidden_custom", "count_flops_forward", _custom, rule="exact",
               expected="count_flops_forward"),
    HiddenTest("test_count_flops_forward_hidden_models", "count_flops_forward", _models, rule="exact",
               expected="count_flops_forward"),
    HiddenTest("test_cost_multipliers_form", "cost_multipliers", lambda: _costs([(50, 25)]), rule="dict",
               expected="cost_multipliers"),
    HiddenTest("test_cost_multipliers_hidden", "cost_multipliers", lambda: _costs([(1, 1), (7, 3), (64, 10)]),
               rule="dict", expected="cost_multipliers"),
)
