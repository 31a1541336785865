"""Class Activation Mapping (CAM), Zhou et al. 2016."""

from __future__ import annotations

import torch
from torch import nn

from ._cam_base import class_activation_map


def final_linear(model: nn.Module) -> nn.Linear:
    """The model's classifier: its last ``nn.Linear`` module."""
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise ValueError(
            f"CAM needs a model whose classifier is a final nn.Linear layer after global "
            f"average pooling; {model.__class__.__name__} has no nn.Linear. Use gradcam, "
            "which works on any CNN."
        )
    return linears[-1]


def cam(model, x, target, layer=None, *, upsample=False, relu=True, normalise=True) -> torch.Tensor:
    """Class activation map from the classifier's weights; no backward pass.

        M_c = Σ_k w^c_k A^k          L = ReLU(M_c), min-max normalised per image

    ``w^c`` is row c of the final linear layer (the model's last ``nn.Linear``). When ``layer``'s output A is exactly what global
    average pooling feeds the classifier, y_c = mean_ij M_c,ij + b_c: the map
    decomposes the logit. At any other layer the map is only a heuristic.
    """
    classifier = final_linear(model)

    def classifier_weights(activations, _gradients, targets):
        if classifier.in_features != activations.shape[1]:
            raise ValueError(
                f"the layer has {activations.shape[1]} channels but the final linear layer reads "
                f"{classifier.in_features} features: CAM needs the layer whose output is "
                "global-average-pooled into the classifier."
            )
        return classifier.weight.detach()[targets]

    return class_activation_map(model, x, target, layer, classifier_weights, need_gradients=False,
                                upsample=upsample, relu=relu, normalise=normalise)
