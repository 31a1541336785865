"""The architectures of the complexity estimator, built without downloading any weights."""

from __future__ import annotations

from functools import lru_cache

import torch

from utils.measure import activation_bytes  # noqa: F401 (notebook 07 imports it from here)

ARCHITECTURES = {
    "TinyGradCAMNet": 1,       # name -> input channels
    "ResNet-18": 3,
    "ResNet-50": 3,
    "VGG-16": 3,
    "MobileNetV2": 3,
    "EfficientNet-B0": 3,
    "EfficientNet-Lite0": 3,
}


def _build(name: str) -> torch.nn.Module:
    import torchvision

    if name == "TinyGradCAMNet":
        from utils.models import TinyGradCAMNet

        return TinyGradCAMNet()
    if name == "EfficientNet-Lite0":
        import timm

        return timm.create_model("tf_efficientnet_lite0", pretrained=False)
    builders = {"ResNet-18": torchvision.models.resnet18, "ResNet-50": torchvision.models.resnet50,
                "VGG-16": torchvision.models.vgg16, "MobileNetV2": torchvision.models.mobilenet_v2,
                "EfficientNet-B0": torchvision.models.efficientnet_b0}
    return builders[name](weights=None)


@lru_cache(maxsize=None)
def build(name: str, device: str = "meta") -> torch.nn.Module:
    """``name`` in eval mode on ``device``; "meta" gives shapes without memory or arithmetic."""
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {name!r}; choose one of {list(ARCHITECTURES)}.")
    with torch.device(device):
        return _build(name).eval()


def parameter_count(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def flop_counter_macs(model: torch.nn.Module, in_ch: int, H: int, W: int) -> int:
    """MACs according to torch.utils.flop_counter.FlopCounterMode (which counts 2 FLOPs per MAC)."""
    from torch.utils.flop_counter import FlopCounterMode

    parameter = next(model.parameters())
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.zeros(1, in_ch, H, W, device=parameter.device, dtype=parameter.dtype))
    return counter.get_total_flops() // 2
