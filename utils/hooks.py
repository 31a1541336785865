"""Reading a layer during a forward pass: its output A and the gradient of a score with respect to A.

The CAM family (stage 06), the explorer's feature-map tab and the answer key all
read a layer through these functions, with hooks that always come off.

    A = layer(…)(x)              shape (N, K, H', W')
    ∂s/∂A, s = Σ_n score(model(x))_n     the same shape
"""

from __future__ import annotations

import contextlib
from typing import Callable

import torch
from torch import nn

from utils.models import evaluating


def describe(value) -> str:
    """A tensor's shape, or the type of anything else, for error messages."""
    return str(tuple(value.shape)) if isinstance(value, torch.Tensor) else type(value).__name__


def resolve_layer(model: nn.Module, layer=None) -> nn.Module:
    """The sub-module ``layer``: a module of ``model``, its dotted name, or None for the model's ``cam_layer_name``."""
    if layer is None:
        name = getattr(model, "cam_layer_name", None)
        if name is None:
            raise ValueError(
                "layer is required for this model: pass the module whose output the map "
                "should use (e.g. layer=model.layer4) or its dotted name (layer='layer4')."
            )
        layer = name
    if isinstance(layer, str):
        try:
            return model.get_submodule(layer)
        except AttributeError:
            names = [n for n, _ in model.named_modules() if n][-8:]
            raise ValueError(
                f"the model has no layer named {layer!r}. Some of its layers: {names}. "
                "Use a name from model.named_modules()."
            ) from None
    if not isinstance(layer, nn.Module):
        raise TypeError(
            f"layer must be a module of the model or its dotted name, got {type(layer).__name__}."
        )
    if not any(module is layer for module in model.modules()):
        raise ValueError(
            f"the layer {layer.__class__.__name__} is not a module of this model. "
            "Pass a module taken from this very model (e.g. model.act3), not a copy."
        )
    return layer


@contextlib.contextmanager
def capture_output(layer: nn.Module):
    """Yield a list that receives ``layer``'s output at each call of its forward.

    The hook is removed on exit, also when the body raises.
    """
    outputs: list = []

    def hook(_module, _inputs, output):
        outputs.append(output)

    handle = layer.register_forward_hook(hook)
    try:
        yield outputs
    finally:
        handle.remove()


def single_output(outputs: list, layer: nn.Module) -> torch.Tensor:
    """The one feature map (N, K, H', W') a layer produced in one forward pass."""
    name = layer.__class__.__name__
    if len(outputs) != 1:
        raise ValueError(
            f"the layer {name} ran {len(outputs)} times in one forward pass; pick a layer "
            "that runs exactly once (a module reused at several depths is ambiguous)."
        )
    out = outputs[0]
    if not isinstance(out, torch.Tensor) or out.dim() != 4:
        raise ValueError(
            f"the layer {name} outputs {describe(out)}, not a feature map (N, K, H', W'); "
            "pick a convolutional layer or its activation."
        )
    return out


def activations_and_gradients(model: nn.Module, x: torch.Tensor, layer: nn.Module,
                              score: Callable[[torch.Tensor], torch.Tensor], *, need_gradients: bool = True):
    """One forward pass: (A, ∂Σ_n s_n/∂A or None), both (N, K, H', W'), with s = ``score(model(x))`` of shape (N,).

    The model runs in the mode it is in (wrap the call in ``utils.models.evaluating``
    for eval mode). ``x`` itself is never changed; a copy of it requires grad, so
    that A is in the graph even when every weight is frozen.
    """
    with capture_output(layer) as outputs:
        if not need_gradients:
            with torch.no_grad():
                score(model(x.detach()))
            return single_output(outputs, layer).detach(), None
        with torch.enable_grad():
            scores = score(model(x.detach().requires_grad_(True)))
            activations = single_output(outputs, layer)
            (gradients,) = torch.autograd.grad(scores.sum(), activations)
    return activations.detach(), gradients


def feature_maps_and_gradients(model: nn.Module, x: torch.Tensor, class_idx: int, layer=None,
                               need_gradients: bool = True):
    """For one image x (1, C, H, W): A = the layer's output and dA = ∂y_c/∂A (y_c the logit), both (K, H', W').

    ``layer=None`` is the model's ``cam_layer_name``; a module of the model or its
    dotted name also works. The model runs in eval mode and is given back in its
    own modes; dA is None with ``need_gradients=False`` (a forward pass only).
    """
    with evaluating(model):
        A, dA = activations_and_gradients(model, x, resolve_layer(model, layer), lambda logits: logits[:, class_idx],
                                          need_gradients=need_gradients)
    return A[0], None if dA is None else dA[0]
