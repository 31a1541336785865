"""The methods the saliency explorer can show, built from a notebook's functions.

Each method is the notebook's function of the same name (the stage that asks for
it is named when it is still a stub). Vanilla gradients, Gradient×Input and IG,
which earlier stages ask for, fall back to Captum when a notebook does not pass
them; such maps are labelled "(Captum)". Captum's IG fallback is its default
(Gauss-Legendre) rule, not the course's trapezoid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

#: function name -> the stage whose exercise it is
EXERCISE_OF = {
    "vanilla_gradients": "01_vanilla_gradients",
    "gradient_x_input": "02_gradient_x_input",
    "integrated_gradients": "03_integrated_gradients",
    "make_baseline": "04_baselines",
    "compute_cam": "06_cam_family",
    "compute_gradcam": "06_cam_family",
    "compute_gradcam_plusplus": "06_cam_family",
    "smoothgrad": "06_cam_family",
    "randomize_layers": "08_sanity_checks",
    "rank_correlation": "08_sanity_checks",
}

BASELINE_KINDS = ("zeros", "black", "white", "blur", "noise")


def _captum_vanilla_gradients(model, input_tensor, target_class):
    from captum.attr import Saliency

    return Saliency(model.eval()).attribute(input_tensor.clone().requires_grad_(), target=target_class, abs=False)


def _captum_gradient_x_input(model, input_tensor, target_class):
    from captum.attr import InputXGradient

    return InputXGradient(model.eval()).attribute(input_tensor.clone().requires_grad_(), target=target_class)


def _captum_integrated_gradients(model, input_tensor, target_class, baseline=None, steps=50):
    from captum.attr import IntegratedGradients

    return IntegratedGradients(model.eval()).attribute(input_tensor, baselines=baseline, target=target_class,
                                                       n_steps=steps)


CAPTUM_FALLBACKS = {
    "vanilla_gradients": _captum_vanilla_gradients,
    "gradient_x_input": _captum_gradient_x_input,
    "integrated_gradients": _captum_integrated_gradients,
}


@dataclass(frozen=True)
class Method:
    name: str           # shown in the widget
    needs: tuple        # the notebook functions it calls
    kind: str           # "signed" (pixel attribution) or "heatmap" (CAM family, in [0, 1])
    uses: tuple = ()    # parameters that change its result: "baseline", "steps", "samples"


METHODS = (
    Method("Vanilla gradients", ("vanilla_gradients",), "signed"),
    Method("Gradient × Input", ("gradient_x_input",), "signed"),
    Method("Integrated Gradients", ("integrated_gradients",), "signed", ("baseline", "steps")),
    Method("CAM", ("compute_cam",), "heatmap"),
    Method("Grad-CAM", ("compute_gradcam",), "heatmap"),
    Method("Grad-CAM++", ("compute_gradcam_plusplus",), "heatmap"),
    Method("SmoothGrad + IG", ("smoothgrad", "integrated_gradients"), "signed", ("baseline", "steps", "samples")),
    Method("SmoothGrad + Grad-CAM", ("smoothgrad", "compute_gradcam"), "heatmap", ("samples",)),
    Method("SmoothGrad + Grad-CAM++", ("smoothgrad", "compute_gradcam_plusplus"), "heatmap", ("samples",)),
)
METHOD_BY_NAME = {m.name: m for m in METHODS}


class FunctionSet:
    """A notebook's functions, with Captum standing in where allowed."""

    def __init__(self, functions: dict[str, Callable]):
        unknown = set(functions) - set(EXERCISE_OF)
        if unknown:
            raise ValueError(f"unknown function name(s) {sorted(unknown)}; the explorer knows {sorted(EXERCISE_OF)}.")
        self.given = {k: v for k, v in functions.items() if v is not None}

    def get(self, name: str):
        return self.given.get(name) or CAPTUM_FALLBACKS.get(name)

    def label(self, method: Method) -> str:
        borrowed = [n for n in method.needs if n not in self.given and n in CAPTUM_FALLBACKS]
        return method.name + (" (Captum)" if borrowed else "")

    def missing(self, method: Method) -> list[str]:
        return [n for n in method.needs if self.get(n) is None]

    def explain(self, method: Method, model, x: torch.Tensor, class_idx: int, *, baseline=None, steps=32,
                samples=8, noise_std=0.1, on_step=lambda: None):
        """The raw result of ``method`` (whatever the notebook's function returns)."""
        if method.name == "Vanilla gradients":
            return self.get("vanilla_gradients")(model, x, class_idx)
        if method.name == "Gradient × Input":
            return self.get("gradient_x_input")(model, x, class_idx)
        ig = self.get("integrated_gradients")
        if method.name == "Integrated Gradients":
            return ig(model, x, class_idx, baseline=baseline, steps=steps)
        cam_functions = {"CAM": "compute_cam", "Grad-CAM": "compute_gradcam", "Grad-CAM++": "compute_gradcam_plusplus"}
        if method.name in cam_functions:
            return self.get(cam_functions[method.name])(model, x, class_idx)
        inner_name = method.name.removeprefix("SmoothGrad + ")
        if inner_name == "IG":
            def inner(model, noisy, c):
                on_step()
                return ig(model, noisy, c, baseline=baseline, steps=steps)
        else:
            cam = self.get(cam_functions[inner_name])

            def inner(model, noisy, c):
                on_step()
                return cam(model, noisy, c)
        return self.get("smoothgrad")(inner, model, x, class_idx, n_samples=samples, noise_std=noise_std)
