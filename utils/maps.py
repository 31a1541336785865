"""Ready-made maps for stage 08 ("Can you trust the map?"), and the pictures of its checks.

Stage 08 tests the methods of the earlier stages; it does not ask you to write them
again. So its maps come from here, each a function ``(model, x, target) -> map``
with ``x`` a batch (1, C, H, W):

* vanilla gradients, Gradient×Input and Integrated Gradients from Captum
  (``Saliency(abs=False)``, ``InputXGradient``, ``IntegratedGradients`` with its own
  default Gauss-Legendre rule and a zero baseline, at ``IG_POINTS`` points: stage 08
  measures the convergence curve on EfficientNet-Lite0 and chelsea, where fewer points
  leave gaps of up to a tenth of F(x) − F(x′) or more, and a small one only by cancellation);
* Grad-CAM from Captum's ``LayerGradCam`` at the model's last feature map, ReLU,
  bilinearly upsampled to the input's size (one channel);
* SmoothGrad over vanilla gradients from Captum's ``NoiseTunnel`` (seeded);
* Guided Backpropagation from :mod:`utils.guided_backprop` (Captum's would
  return plain gradients on these models: see there);
* a random map, the floor every method should beat.

Every function runs the model in eval mode and gives it back in its previous
modes, leaves no hook and never modifies ``x``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from utils.device import own_random_state
from utils.guided_backprop import guided_backprop
from utils.models import evaluating
from utils.plotting import show_image, show_magnitude_map


def gradient_map(model, x, target):
    """∂y_c/∂x, signed (Captum ``Saliency`` with ``abs=False``)."""
    from captum.attr import Saliency

    with evaluating(model):
        return Saliency(model).attribute(x.detach().clone().requires_grad_(), target=target, abs=False).detach()


def gradient_x_input_map(model, x, target):
    """x ⊙ ∂y_c/∂x (Captum ``InputXGradient``)."""
    from captum.attr import InputXGradient

    with evaluating(model):
        return InputXGradient(model).attribute(x.detach().clone().requires_grad_(), target=target).detach()


#: Gauss-Legendre points of stage 08's IG: on EfficientNet-Lite0 and chelsea its completeness gap stays within 5 %
#: of F(x) − F(x′) from 128 points on (+2.2 % at 128; at 4 points +13.5 %, at 8 −110 %, at 64 −9.1 %, at 96 −11.5 %:
#: stage 08 draws the curve and checks that this is the smallest such budget it measured)
IG_POINTS = 128
#: path points sent through the model at once (Captum's internal_batch_size): the memory of 16 inputs
IG_BATCH = 16


def integrated_gradients_map(model, x, target, steps: int = IG_POINTS):
    """IG from a zero baseline with Captum's default rule (Gauss-Legendre) at ``steps`` points, ``IG_BATCH`` at once."""
    from captum.attr import IntegratedGradients

    with evaluating(model):
        return IntegratedGradients(model).attribute(x.detach().clone(), baselines=torch.zeros_like(x), target=target,
                                                    n_steps=steps, internal_batch_size=IG_BATCH).detach()


def gradcam_map(model, x, target, layer=None):
    """Grad-CAM at ``layer`` (default: the model's ``cam_layer_name``), ReLU, upsampled to x's size: (1, 1, H, W)."""
    from captum.attr import LayerAttribution, LayerGradCam

    name = layer or model.cam_layer_name
    module = model.get_submodule(name) if isinstance(name, str) else name
    with evaluating(model):
        coarse = LayerGradCam(model, module).attribute(x.detach().clone(), target=target, relu_attributions=True)
        return LayerAttribution.interpolate(coarse.detach(), tuple(x.shape[-2:]), "bilinear")


def smoothgrad_map(model, x, target, n_samples: int = 6, noise_std: float | None = None, seed: int = 0):
    """SmoothGrad over vanilla gradients (Captum ``NoiseTunnel``), σ = 15 % of x's value range by default."""
    from captum.attr import NoiseTunnel, Saliency

    x = x.detach().clone()
    std = 0.15 * float(x.max() - x.min()) if noise_std is None else noise_std
    x.requires_grad_()
    with evaluating(model), own_random_state():  # the caller's generators, CPU and every GPU, untouched
        torch.manual_seed(seed)
        return NoiseTunnel(Saliency(model)).attribute(x, nt_type="smoothgrad", nt_samples=n_samples, stdevs=std,
                                                      target=target, abs=False).detach()


def guided_backprop_map(model, x, target):
    """Guided Backpropagation on ReLU, ReLU6 and LeakyReLU (see :mod:`utils.guided_backprop`)."""
    return guided_backprop(model, x, target)


def random_map(model, x, target, seed: int = 0):
    """Uniform noise of x's shape: a map that knows nothing about the model (the floor of any metric)."""
    return torch.rand(x.shape, generator=torch.Generator().manual_seed(seed), dtype=x.dtype).to(x.device)


#: The methods stage 08 checks, by the name shown in its figures.
METHODS = {
    "vanilla gradients": gradient_map,
    "gradient × input": gradient_x_input_map,
    "integrated gradients": integrated_gradients_map,
    "Grad-CAM": gradcam_map,
    "Guided Backprop": guided_backprop_map,
    "SmoothGrad": smoothgrad_map,
}


def show_cascade(maps: dict, column_titles, image=None, size: float = 1.9, correlations: dict | None = None):
    """Rows = methods, columns = cascade steps: |map| summed over channels, each panel scaled on its own.

    ``maps`` maps a method's name to its list of maps (the trained model first);
    ``correlations`` (optional) maps the name to the rank correlation of each
    later column with the first, written under the panel.
    """
    names = list(maps)
    ncols = len(column_titles) + (image is not None)
    fig, axes = plt.subplots(len(names), ncols, figsize=(size * ncols, size * len(names)), squeeze=False)
    for row, name in enumerate(names):
        offset = 0
        if image is not None:
            show_image(image, axes[row, 0], "input" if row == 0 else None)
            offset = 1
        for col, m in enumerate(maps[name]):
            ax = axes[row, col + offset]
            show_magnitude_map(m, ax, column_titles[col] if row == 0 else None, colorbar=False)
            if col > 0 and correlations is not None:
                ax.set_xlabel(f"ρ = {correlations[name][col - 1]:.2f}", fontsize=8)
        axes[row, 0].set_ylabel(name, fontsize=9)
    fig.tight_layout()
    return fig


def show_curves(curves: dict, ax=None, title: str | None = None, xlabel: str = "fraction of pixels changed",
                ylabel: str = "probability of the class", areas: dict | None = None):
    """One line per method, its points evenly spaced over [0, 1]; the legend gives each area when ``areas`` is given."""
    ax = ax or plt.gca()
    for name, curve in curves.items():
        values = np.asarray(torch.as_tensor(curve).detach().reshape(-1))
        label = name if areas is None else f"{name} ({areas[name]:.3f})"
        style = dict(color="0.5", linestyle="--") if name.startswith("random") else {}
        ax.plot(np.linspace(0, 1, len(values)), values, label=label, **style)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(-0.02, 1.02)
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7)
    return ax
