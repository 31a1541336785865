"""count_flops_forward counts MACs at each layer's real size; cost_multipliers follows the convention."""

import pytest
import torch
import torchvision.models as tvm
from torch import nn

from utils.checks import hook_count
from utils.explorer.architectures import flop_counter_macs
from utils.instructor.reference import METHOD_NAMES, cost_multipliers, count_flops_forward
from utils.models import TinyGradCAMNet


@pytest.mark.parametrize("factory, in_ch, size", [
    (TinyGradCAMNet, 1, 28),
    (lambda: tvm.resnet18(weights=None), 3, 64),
    (lambda: tvm.mobilenet_v2(weights=None), 3, 96),
    (lambda: tvm.efficientnet_b0(weights=None), 3, 64),
])
def test_equals_torch_flop_counter(factory, in_ch, size):
    model = factory().eval()
    assert count_flops_forward(model, in_ch, size, size) == flop_counter_macs(model, in_ch, size, size)


def test_tiny_model_by_hand():
    # 28·28 positions × (1·9·8 + 8·9·16 + 16·9·32) MACs for the convolutions, 32·10 for the classifier
    expected = 28 * 28 * (1 * 9 * 8 + 8 * 9 * 16 + 16 * 9 * 32) + 32 * 10
    assert count_flops_forward(TinyGradCAMNet(), 1, 28, 28) == expected


def test_uses_each_layers_real_size_not_the_input_size():
    model = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.Conv2d(8, 8, 3, padding=1))
    # the second convolution sees 16×16, not 32×32 (the seed's fallback bug)
    assert count_flops_forward(model, 3, 32, 32) == 16 * 16 * (3 * 9 * 8) + 16 * 16 * (8 * 9 * 8)


def test_groups_respected_and_meta_device_works():
    depthwise = nn.Conv2d(16, 16, 3, padding=1, groups=16)
    assert count_flops_forward(depthwise, 16, 10, 10) == 10 * 10 * 16 * 9
    with torch.device("meta"):
        big = tvm.resnet50(weights=None)
    assert count_flops_forward(big, 3, 224, 224) == pytest.approx(4.09e9, rel=0.01)


def test_restores_mode_and_leaves_no_hooks():
    model = TinyGradCAMNet().train()
    count_flops_forward(model, 1, 28, 28)
    assert model.training
    assert hook_count(model) == 0


def test_cost_multipliers_convention():
    costs = cost_multipliers(steps=50, n_samples=25)
    assert tuple(costs) == METHOD_NAMES
    assert costs == {"CAM": 1, "Grad-CAM": 3, "Grad-CAM++": 3, "Integrated Gradients": 153,
                     "SmoothGrad + IG": 3825, "SmoothGrad + Grad-CAM": 75, "SmoothGrad + Grad-CAM++": 75}
    assert cost_multipliers(1, 1)["Integrated Gradients"] == 6
    with pytest.raises(ValueError):
        cost_multipliers(0, 25)
    with pytest.raises(ValueError):
        cost_multipliers(50, 0)
