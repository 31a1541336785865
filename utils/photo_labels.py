"""Record the ImageNet model's top-1 class of every shipped photo in ``data/photo_labels.json``.

    python -m utils.photo_labels

Run it after changing the photos, their preparation or the model's weights;
``tests/student/test_models_and_data.py`` checks that the model still agrees with the file.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from utils.data import PHOTO_LABELS_FILE, PHOTO_SOURCES, _photo_labels, prepare_photo, raw_photo
from utils.models import imagenet_class_names, load_imagenet_model


def write_photo_labels(path: Path = PHOTO_LABELS_FILE) -> dict:
    """Run the ImageNet model on every photo and record its top-1 class."""
    model = load_imagenet_model()
    names = imagenet_class_names()
    batch = torch.stack([prepare_photo(raw_photo(n)) for n in PHOTO_SOURCES])
    with torch.no_grad():
        probs = model(batch).softmax(dim=1)
    top_p, top_c = probs.max(dim=1)
    labels = {
        n: {"label": int(c), "label_name": names[int(c)], "probability": round(float(p), 4)}
        for n, c, p in zip(PHOTO_SOURCES, top_c, top_p)
    }
    path.write_text(json.dumps(labels, indent=2) + "\n")
    _photo_labels.cache_clear()
    return labels


if __name__ == "__main__":
    for name, info in write_photo_labels().items():
        print(f"{name:12s} {info['label']:4d} {info['label_name']:24s} p={info['probability']:.3f}")
