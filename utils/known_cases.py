"""Small models whose right answer is known in closed form: the visible checks call the student's functions on
them (``utils.checks``), and the hidden tests' form cases reuse the same inputs (``utils.recording``).

Each builder returns fixed numbers (its own seeded generator) and leaves the caller's random state alone.
"""

from __future__ import annotations

import torch
from torch import nn

from utils.device import own_random_state


def linear_case():
    """(model, x, class): F(x) = W·x + b on a (1, 3, 2, 2) input, 4 classes, float64, fixed numbers.

    The gradient of logit c is row c of W at every input. The class is the model's second choice
    for x, so explaining the predicted class instead shows.
    """
    generator = torch.Generator().manual_seed(20)
    with own_random_state():
        model = nn.Sequential(nn.Flatten(), nn.Linear(12, 4)).double().eval()
    with torch.no_grad():
        model[1].weight.copy_(torch.randn(4, 12, generator=generator, dtype=torch.float64))
        model[1].bias.copy_(torch.randn(4, generator=generator, dtype=torch.float64))
        x = torch.randn(1, 3, 2, 2, generator=generator, dtype=torch.float64)
        target = int(model(x).argsort(dim=1, descending=True)[0, 1])
    return model, x, target


class CubicModel(nn.Module):
    """F_c(x) = Σ_i W_ci · x_i³ (float64, fixed W, 3 classes), for (N, 1, 2, 3) inputs.

    Along the path x' + α(x − x') the gradient of F_c is 3 W_c (x' + α(x − x'))², a quadratic in α,
    so the exact integral and every quadrature rule (trapezoid, Riemann sums, Gauss–Legendre) have
    a closed form, and they all differ. ``largest_batch`` is the largest batch it was called on.
    """

    def __init__(self):
        super().__init__()
        generator = torch.Generator().manual_seed(30)
        self.weight = nn.Parameter(torch.randn(3, 6, generator=generator, dtype=torch.float64))
        self.largest_batch = 0

    def forward(self, x):
        self.largest_batch = max(self.largest_batch, int(x.shape[0]))
        return (x.flatten(1) ** 3) @ self.weight.T


def cubic_case():
    """(model, x, baseline, class) for :class:`CubicModel`: x in [0.5, 1.5], the baseline in [-0.8, 0]."""
    generator = torch.Generator().manual_seed(31)
    x = 0.5 + torch.rand(1, 1, 2, 3, generator=generator, dtype=torch.float64)
    baseline = -0.8 * torch.rand(1, 1, 2, 3, generator=generator, dtype=torch.float64)
    return CubicModel().eval(), x, baseline, 1


class TwoSquaresNet(nn.Module):
    """Two input channels, ReLU (the CAM layer ``act``), global average pooling, a linear layer.

    The class-0 logit is mean(A⁰) − mean(A¹): channel 0 is evidence for class 0, channel 1 evidence
    against it (class 1 the other way round). On :func:`two_squares_case`'s input the raw map
    Σ_k w_k A^k is +1 on the part of square 0 outside square 1, 0 where they overlap, −1 on the rest
    of square 1 and 0 on the background, so ReLU, signs and the positive-gradient rule all show.
    """

    cam_layer_name = "act"

    def __init__(self):
        super().__init__()
        with own_random_state():
            self.act = nn.ReLU()
            self.gap = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(2, 2, bias=False)
        with torch.no_grad():
            self.fc.weight.copy_(torch.tensor([[1.0, -1.0], [-1.0, 1.0]]))

    def forward(self, x):
        return self.fc(self.gap(self.act(x)).flatten(1))


def two_squares_regions() -> dict:
    square0, square1 = torch.zeros(8, 8, dtype=torch.bool), torch.zeros(8, 8, dtype=torch.bool)
    square0[1:5, 1:5] = True
    square1[3:7, 3:7] = True
    return {"the class's square": square0 & ~square1, "the overlap": square0 & square1,
            "the square against the class": square1 & ~square0, "the background": ~(square0 | square1)}


def two_squares_case():
    """(model, x, class): :class:`TwoSquaresNet`, a (1, 2, 8, 8) input of two overlapping 4×4 squares, class 0."""
    regions = two_squares_regions()
    x = torch.zeros(1, 2, 8, 8)
    x[0, 0] = (regions["the class's square"] | regions["the overlap"]).float()
    x[0, 1] = (regions["the square against the class"] | regions["the overlap"]).float()
    return TwoSquaresNet().eval(), x, 0


def equivalent_model(model, factor: float = 1000.0, layer: str = "conv3", head: str = "fc"):
    """A copy of ``model`` that computes the same logits with the output of ``layer`` ``factor`` times smaller.

    ``layer``'s weights and bias are divided by ``factor`` and ``head``'s weights multiplied by it.
    For TinyGradCAMNet (conv3, then LeakyReLU, which commutes with a positive scale, then global
    average pooling and fc) every logit is unchanged, the activations of act3 are ``factor`` times
    smaller and the gradients with respect to them ``factor`` times larger. Methods that depend only
    on the function (IG, gradients) give the same answer on both; exact Grad-CAM++ does too.
    """
    import copy

    twin = copy.deepcopy(model)
    with torch.no_grad():
        conv, linear = twin.get_submodule(layer), twin.get_submodule(head)
        conv.weight.div_(factor)
        if conv.bias is not None:
            conv.bias.div_(factor)
        linear.weight.mul_(factor)
    return twin


def mac_cases() -> list:
    """(what, model, (in_ch, H, W), formula, MACs, {wrong count: likely cause}) for four one-layer networks."""
    with own_random_state():
        shared = nn.Conv2d(4, 4, 1)
        return [
            ("a single Linear layer, 192 -> 10, on a (3, 8, 8) input", nn.Sequential(nn.Flatten(), nn.Linear(192, 10)),
             (3, 8, 8), "192 · 10 = 1,920", 1920,
             {0: "counts nothing for a Linear layer: hook torch.nn.Linear too (in_features MACs per output value)."}),
            ("a depthwise convolution (16 channels, groups=16, 3x3) on a (16, 8, 8) input",
             nn.Sequential(nn.Conv2d(16, 16, 3, padding=1, groups=16)), (16, 8, 8),
             "16/16 · 3·3 · 16 · 8·8 = 9,216", 9216,
             {147456: "ignores `groups`: each output value of a grouped convolution reads only in_channels / groups "
                      "input channels."}),
            ("a convolution with stride 2 (3 -> 8 channels, 3x3) on a (3, 16, 16) input",
             nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1)), (3, 16, 16), "3 · 3·3 · 8 · 8·8 = 13,824", 13824,
             {55296: "uses the input's size (16x16) for a layer that produces 8x8: use each layer's own output size "
                     "(read it from the hook's `output`)."}),
            ("the same 1x1 convolution (4 -> 4 channels) called twice, on a (4, 5, 5) input",
             nn.Sequential(shared, nn.ReLU(), shared), (4, 5, 5), "2 · 4 · 1·1 · 4 · 5·5 = 800", 800,
             {400: "counts a module used twice only once: the hook runs on every call; add up every call."}),
        ]


class DeadChannelNet(nn.Module):
    """A 3×3 convolution to two channels, ReLU (the CAM layer ``act``), global average pooling, a linear layer
    (float64, fixed weights). Channel 1's bias is −100: it is never active, so Σ_ij A¹_ij = 0 and XGrad-CAM's
    normaliser Σ_ij A^k_ij is zero for it (its weight must be 0, not NaN)."""

    cam_layer_name = "act"

    def __init__(self):
        super().__init__()
        generator = torch.Generator().manual_seed(40)
        with own_random_state():
            self.conv = nn.Conv2d(1, 2, 3, padding=1).double()
            self.act = nn.ReLU()
            self.fc = nn.Linear(2, 3).double()
        with torch.no_grad():
            for parameter in self.parameters():
                parameter.copy_(torch.randn(parameter.shape, generator=generator, dtype=torch.float64))
            self.conv.bias.copy_(torch.tensor([0.1, -100.0], dtype=torch.float64))

    def forward(self, x):
        return self.fc(self.act(self.conv(x)).mean(dim=(2, 3)))


def dead_channel_case():
    """(model, x, class): :class:`DeadChannelNet` on a fixed (1, 1, 6, 6) input, class 1."""
    x = torch.randn(1, 1, 6, 6, generator=torch.Generator().manual_seed(41), dtype=torch.float64)
    return DeadChannelNet().eval(), x, 1
