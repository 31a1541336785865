"""The explorer's sanity-check view: a method's map on the trained model and on one with its top layers randomised.

Model randomisation (Adebayo et al. 2018): a map that explains the model must change
when the model's learned weights are replaced by random ones. The view uses the
notebook's own ``randomize_layers`` and ``rank_correlation`` (stage 08's exercises);
where they are still stubs it says which exercise to finish.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from torch import nn

from utils.names import Method
from utils.plotting import image_for_display, show_heatmap_overlay, show_image, show_signed_map

from utils.calling import ERROR, NOT_DONE, Outcome, call

from .methods import EXERCISE_OF, FunctionSet


def layer_count(model: nn.Module) -> int:
    """How many modules own parameters directly (the layers a cascade can randomise)."""
    return sum(1 for m in model.modules() if any(True for _ in m.parameters(recurse=False)))


def randomised_map(functions: FunctionSet, method: Method, model: nn.Module, x: torch.Tensor, class_idx: int,
                   n_layers: int, seed: int = 0, **parameters) -> Outcome:
    """The method's result on ``randomize_layers(model, n_layers, seed)``, as an Outcome."""
    randomize = functions.given.get("randomize_layers")
    if randomize is None:
        return Outcome(message="the sanity check needs your randomize_layers: pass randomize_layers= (exercise in "
                               f"{EXERCISE_OF['randomize_layers']}) to saliency_explorer.", kind=NOT_DONE)
    copy = call(randomize, (model, n_layers), {"seed": seed}, exercises=EXERCISE_OF)
    if not copy.ok:
        return copy
    if not isinstance(copy.value, nn.Module):
        return Outcome(message=f"randomize_layers returned {type(copy.value).__name__}, not a model.", kind=ERROR)
    return call(functions.explain, (method, copy.value, x, class_idx), parameters, exercises=EXERCISE_OF)


def correlation(functions: FunctionSet, trained, randomised) -> Outcome:
    """The notebook's rank_correlation of the two maps (absolute values, as its default)."""
    rank_correlation = functions.given.get("rank_correlation")
    if rank_correlation is None:
        return Outcome(message="pass rank_correlation= (exercise in "
                               f"{EXERCISE_OF['rank_correlation']}) to see how alike the maps are.", kind=NOT_DONE)
    return call(rank_correlation, (trained, randomised), exercises=EXERCISE_OF)


def sanity_figure(image: torch.Tensor, method: Method, label: str, trained: Outcome, randomised: Outcome,
                  n_layers: int, rho: Outcome, squeeze):
    """Input, the trained model's map and the randomised model's map, side by side."""
    fig, axes = plt.subplots(1, 3, figsize=(8.4, 3.0))
    show_image(image, axes[0], "input")
    titles = (f"{label}: trained model", f"top {n_layers} layer(s) random"
              + (f"\nrank correlation {float(rho.value):.2f}" if rho.ok else ""))
    for ax, outcome, title in zip(axes[1:], (trained, randomised), titles):
        if not outcome.ok:
            ax.axis("off")
            ax.set_title(title, fontsize=9)
            ax.text(0.5, 0.5, "not implemented yet" if outcome.not_done else "error", ha="center",
                    va="center", color="firebrick", transform=ax.transAxes)
        elif method.kind == "heatmap":
            show_heatmap_overlay(image_for_display(image), squeeze(outcome.value), ax, title)
        else:
            show_signed_map(squeeze(outcome.value), ax, title, colorbar=False)
    fig.tight_layout()
    return fig
