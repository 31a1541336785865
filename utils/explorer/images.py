"""What the saliency explorer can explain: a model and the images that suit it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import torch

MNIST_DIGITS_SHOWN = 20


@dataclass(frozen=True)
class Subject:
    key: str                  # identifies model + image for the cache
    x: torch.Tensor           # (1, C, H, W), in the model's input space


MODELS = {
    "TinyGradCAMNet (MNIST)": "tiny",
    "EfficientNet-Lite0 (ImageNet)": "imagenet",
}


@lru_cache(maxsize=None)
def load_model(kind: str, device: str = "cpu"):
    """The course's model of this kind on ``device`` (the explorer passes :func:`utils.device.course_device`)."""
    from utils.models import load_imagenet_model, load_tiny_model

    return {"tiny": load_tiny_model, "imagenet": load_imagenet_model}[kind](device=device)


@lru_cache(maxsize=None)
def class_names(kind: str) -> tuple:
    if kind == "tiny":
        return tuple(str(d) for d in range(10))
    from utils.models import imagenet_class_names

    return tuple(imagenet_class_names())


def image_choices(kind: str) -> list[str]:
    if kind == "tiny":
        return [f"digit {i}" for i in range(MNIST_DIGITS_SHOWN)] + ["random"]
    from utils.data import PHOTO_SOURCES

    return list(PHOTO_SOURCES) + ["random"]


@lru_cache(maxsize=None)
def _mnist_test():
    from utils.data import load_mnist

    return load_mnist().x_test


def subject(kind: str, choice: str, seed: int = 0) -> Subject:
    if kind == "tiny":
        if choice == "random":
            x = torch.rand(1, 1, 28, 28, generator=torch.Generator().manual_seed(seed))
        else:
            index = int(choice.split()[-1])
            x = _mnist_test()[index:index + 1].clone()  # a notebook function must not reach the cache
    else:
        if choice == "random":
            x = torch.rand(1, 3, 224, 224, generator=torch.Generator().manual_seed(seed)) * 2 - 1
        else:
            from utils.data import load_photo

            x = load_photo(choice).tensor[None].clone()
    key = f"{kind}/{choice}" + (f"/{seed}" if choice == "random" else "")
    return Subject(key, x)


def top_classes(kind: str, x: torch.Tensor, k: int = 5, device: str = "cpu") -> list[tuple[int, float]]:
    """The model's k most likely classes with their probabilities."""
    with torch.no_grad():
        probabilities = load_model(kind, device).eval()(x.to(device)).softmax(dim=1)[0].cpu()
    values, indices = probabilities.topk(k)
    return [(int(i), float(p)) for p, i in zip(values, indices)]


#: Expected Gradients' background on MNIST: every 97th test digit, 32 of them (stage 09's)
MNIST_BACKGROUND = slice(0, 97 * 32, 97)


def background(kind: str, choice: str) -> torch.Tensor:
    """The baselines Expected Gradients draws from for an image of ``choice``, (B, C, H, W) in the model's input space.

    MNIST: 32 test digits, every 97th (stage 09's background; the digits shown are among the first 20, so at most
    "digit 0" is also in it, and a draw of itself adds 0). Photos: the course's other photos (4, or all 5 for a
    random input), the data the model is shown, as few as they are: with so small a background, Expected Gradients
    explains the photo against those few scenes.
    """
    return _background(kind, choice if kind != "tiny" else "").clone()  # a notebook function must not reach the cache


@lru_cache(maxsize=None)
def _background(kind: str, choice: str) -> torch.Tensor:
    if kind == "tiny":
        return _mnist_test()[MNIST_BACKGROUND]
    from utils.data import PHOTO_SOURCES, load_photo

    return torch.stack([load_photo(name).tensor for name in PHOTO_SOURCES if name != choice])
