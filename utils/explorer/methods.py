"""The methods the saliency explorer can show, built from a notebook's functions.

Each method is the notebook's function of the same name (the stage that asks for
it is named when it is still a stub). Vanilla gradients, Gradient×Input, IG and
Expected Gradients fall back to Captum when a notebook does not pass them; such
maps are labelled "(Captum)". Captum's IG fallback is its default
(Gauss-Legendre) rule, not the course's trapezoid; its Expected Gradients is
``GradientShap`` without noise, which draws from NumPy's generator, not ``generator``.

Expected Gradients gets the explorer's background (``images.background``) and n
draws from a generator seeded with ``EG_SEED``, so one setting always gives one map.
"""

from __future__ import annotations

from typing import Callable

import torch

from utils.names import STAGE_OF, Method

#: the functions the saliency explorer takes -> the stage whose exercise each is (stage 07's
#: go to the complexity estimator)
EXERCISE_OF = {name: stage for name, stage in STAGE_OF.items() if stage != STAGE_OF["cost_multipliers"]}


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


def _captum_expected_gradients(model, x, target, background, n_samples=64, generator=None):
    from captum.attr import GradientShap

    return GradientShap(model.eval()).attribute(x, baselines=background, n_samples=n_samples, stdevs=0.0,
                                                target=target)


CAPTUM_FALLBACKS = {
    "vanilla_gradients": _captum_vanilla_gradients,
    "gradient_x_input": _captum_gradient_x_input,
    "integrated_gradients": _captum_integrated_gradients,
    "expected_gradients": _captum_expected_gradients,
}

#: Expected Gradients' draws in the explorer: a torch.Generator seeded with this
EG_SEED = 0
#: a method's parameter (``Method.uses``) -> the keyword its function takes it as
KEYWORD_OF = {"baseline": "baseline", "steps": "steps", "background": "background", "draws": "n_samples"}


class FunctionSet:
    """A notebook's functions, with Captum standing in where allowed."""

    def __init__(self, functions: dict[str, Callable]):
        unknown = set(functions) - set(EXERCISE_OF)
        if unknown:
            raise ValueError(f"unknown function name(s) {sorted(unknown)}; the explorer knows {sorted(EXERCISE_OF)}.")
        self.given = {k: v for k, v in functions.items() if v is not None}

    def function_or_captum(self, name: str):
        """The notebook's function ``name``; else Captum's stand-in where there is one (``label`` then says
        "(Captum)"); else None."""
        return self.given.get(name) or CAPTUM_FALLBACKS.get(name)

    def label(self, method: Method) -> str:
        borrowed = [n for n in method.needs if n not in self.given and n in CAPTUM_FALLBACKS]
        return method.name + (" (Captum)" if borrowed else "")

    def missing(self, method: Method) -> list[str]:
        return [n for n in method.needs if self.function_or_captum(n) is None]

    def explain(self, method: Method, model, x: torch.Tensor, class_idx: int, *, baseline=None, steps=32,
                samples=8, noise_std=0.1, background=None, draws=16, on_step=lambda: None):
        """The raw result of ``method`` (whatever the notebook's function returns)."""
        single = self.function_or_captum(method.single)
        values = {"baseline": baseline, "steps": steps, "background": background, "draws": draws}
        parameters = {KEYWORD_OF[name]: values[name] for name in method.uses if name in KEYWORD_OF}
        if "draws" in method.uses:
            parameters["generator"] = torch.Generator().manual_seed(EG_SEED)
        if not method.smoothed:
            return single(model, x, class_idx, **parameters)

        def inner(model, noisy, c):
            on_step()
            return single(model, noisy, c, **parameters)

        return self.function_or_captum("smoothgrad")(inner, model, x, class_idx, n_samples=samples, noise_std=noise_std)
