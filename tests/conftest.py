"""Shared fixtures: a small random CNN in float64 (for exact oracle checks), the
trained MNIST model, the pretrained ImageNet model and real inputs for both."""

from __future__ import annotations

import pytest
import torch
from torch import nn

torch.set_num_threads(2)


class SmallCNN(nn.Module):
    """conv-ReLU-conv-ReLU-GAP-linear on 3×12×12 inputs, 5 classes.

    No striding, so CAM maps have the input's size (pytorch-grad-cam resizes its
    maps to the input with OpenCV; at equal sizes that is the identity). The
    classifier weights are kept away from 0 and large: Grad-CAM++'s gradients at
    a GAP layer are w_k / (H·W), and pytorch-grad-cam adds eps = 1e-6 to the
    Grad-CAM++ denominator, which must be negligible next to 2 g² for a 1e-5
    comparison.
    """

    cam_layer_name = "act2"

    def __init__(self, seed: int = 0, num_classes: int = 5):
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.conv1 = nn.Conv2d(3, 6, 3, padding=1)
        self.act1 = nn.ReLU()
        self.conv2 = nn.Conv2d(6, 8, 3, padding=1)
        self.act2 = nn.ReLU()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, num_classes)
        with torch.no_grad():
            for p in self.parameters():
                p.copy_(torch.randn(p.shape, generator=generator) * 0.5)
            w = self.fc.weight
            w.copy_(torch.sign(w) * (w.abs() + 0.5) * 100)

    def forward(self, x):
        return self.fc(self.pool(self.act2(self.conv2(self.act1(self.conv1(x))))).flatten(1))


@pytest.fixture
def small_cnn():
    return SmallCNN().double().eval()


@pytest.fixture
def small_batch():
    return torch.randn(3, 3, 12, 12, generator=torch.Generator().manual_seed(1), dtype=torch.float64)


@pytest.fixture(scope="session")
def tiny_model():
    from utils.models import load_tiny_model

    return load_tiny_model()


@pytest.fixture(scope="session")
def mnist():
    from utils.data import load_mnist

    return load_mnist()


@pytest.fixture(scope="session")
def imagenet_model():
    from utils.models import load_imagenet_model

    return load_imagenet_model()


@pytest.fixture(scope="session")
def photos():
    from utils.data import load_photos

    return load_photos()


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory):
    """The demo class, collected and autograded for real once per session (tests/graded_demo_class.py), judged with
    expected values computed on another kind of CPU than its kernels' (tests/expected_elsewhere.py): its expected
    scores hold whichever CPU computed the answer key."""
    from .expected_elsewhere import expected_values_from_another_cpu
    from utils.instructor.tools.demo_class import STAGE

    from .graded_demo_class import grade_demo_class

    capabilities = expected_values_from_another_cpu(STAGE)
    return {**grade_demo_class(tmp_path_factory.mktemp("hostile_class")), "capabilities": capabilities}
