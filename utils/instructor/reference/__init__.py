"""The answer key: reference implementations of every method the course teaches.

Every function takes ``(model, x, target, ...)`` with ``x`` a batch (N, C, H, W)
and ``target`` an int or N ints, leaves the model as it found it (mode, hooks,
parameter gradients) and never modifies ``x``.
"""

from .baselines import BASELINE_KINDS, make_baseline
from .cam import cam
from .completeness import completeness_gap
from .complexity import (METHOD_NAMES, cost_multipliers, count_flops_forward, count_macs_forward,
                         estimated_cost_multipliers)
from .expected_gradients import expected_gradients
from .faithfulness import area_under_curve, deletion_curve, insertion_curve
from .gradcam import gradcam
from .gradcam_plusplus import gradcam_plusplus
from .gradient_x_input import gradient_x_input
from .hirescam import hirescam
from .integrated_gradients import RULES, integrated_gradients, quadrature
from .layercam import layercam
from .path import interpolate_path
from .sanity import model_randomization_test, parameterised_layers, randomize_layers, rank_correlation
from .smoothgrad import smoothgrad
from .vanilla_gradients import vanilla_gradients
from .xgradcam import xgradcam

__all__ = [
    "BASELINE_KINDS",
    "METHOD_NAMES",
    "RULES",
    "area_under_curve",
    "cam",
    "completeness_gap",
    "cost_multipliers",
    "count_flops_forward",
    "count_macs_forward",
    "deletion_curve",
    "estimated_cost_multipliers",
    "expected_gradients",
    "gradcam",
    "gradcam_plusplus",
    "gradient_x_input",
    "hirescam",
    "insertion_curve",
    "integrated_gradients",
    "interpolate_path",
    "layercam",
    "make_baseline",
    "model_randomization_test",
    "parameterised_layers",
    "quadrature",
    "randomize_layers",
    "rank_correlation",
    "smoothgrad",
    "vanilla_gradients",
    "xgradcam",
]
