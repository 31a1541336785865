"""Checks for the visible tests of the notebooks: shape, type and sanity, with
messages that tell a student what is wrong and how to fix it.

Graders are lenient on form: a NumPy array or a tensor, with or without the
leading batch dimension of 1, any float dtype. They are strict on values; the
values are checked by the hidden tests when the notebook is graded.

Importing this package also records the comparison functions and builtins as
they are before any student code runs (the notebooks import it in their first,
read-only cell); the graders use that record to notice if any were replaced.

The notebooks call every check as ``checks.X`` (``import utils.checks as checks``);
each lives in the module of what it checks:

- ``running``: calling a student's function (a stub, a hook left behind, a replaced comparison)
- ``result_form``: the form of a result (a map, one number, a heatmap in [0, 1])
- ``likely_mistake``: naming the classic mistake whose result a student's result equals
- ``gradient_maps``: stages 01 and 02 on a linear model
- ``integrated_gradients``: stage 03 on a cubic model, every quadrature rule in closed form
- ``captum_comparison``: stage 05, Captum's result, its defaults, eval mode
- ``cam_family``, ``smoothgrad``: stage 06
- ``complexity``: stage 07, MACs and forward-pass equivalents
- ``model_randomization``, ``rank_correlation``, ``faithfulness``: stage 08
- ``beyond_gradcam``: stage 09, HiResCAM, XGrad-CAM, LayerCAM and Expected Gradients
- ``other_stages``: ``your_functions``, a stage's functions, read from another stage's notebook
"""

from __future__ import annotations

# Calling a student's function; the form of a result.
from utils.calling import call, not_implemented_message  # noqa: F401

from .running import ExerciseNotDone, copy_eval, copy_state, replaced_functions, run_exercise  # noqa: F401
from .result_form import check_attribution, check_heatmap, check_scalar, shaped_like  # noqa: F401

# The cases and properties below are shared with the hidden tests and the judge; the notebooks call them as checks.X.
from utils.known_cases import (CubicModel, DeadChannelNet, TwoSquaresNet, cubic_case,  # noqa: F401
                               dead_channel_case, equivalent_model, linear_case, mac_cases, two_squares_case,
                               two_squares_regions)
from utils.properties import (BLUR_MAX_DETAIL, BLUR_MAX_MEAN_SHIFT, BLUR_MIN_LAYOUT,  # noqa: F401
                              SAME_NOISE_CORRELATION, as_float_tensor, check_blur_baseline, describe_shape,
                              hook_count, largest_noise_correlation, layout_correlation, relative_l2,
                              total_variation)

# The checks of each stage, in the order of the course.
from .gradient_maps import check_on_linear_model  # noqa: F401
from .integrated_gradients import (DEFAULT_IG_BATCH, check_ig_batches, check_ig_on_cubic_model,  # noqa: F401
                                   trapezoid_on_cubic_model)
from .captum_comparison import check_captum_integrated_gradients  # noqa: F401
from .cam_family import check_cam_on_two_squares, check_same_map_on_equivalent_model  # noqa: F401
from .smoothgrad import check_fresh_noise  # noqa: F401
from .complexity import check_cost_multipliers, check_mac_count  # noqa: F401
from .model_randomization import (CASCADE_MAPS, CASCADE_RHO, SmallBatchNormNet,  # noqa: F401
                                  check_model_randomization_test, check_randomize_layers)
from .rank_correlation import RANK_CASES, check_rank_correlation  # noqa: F401
from .faithfulness import check_area_under_curve, check_deletion_curve, faithfulness_case  # noqa: F401
from .beyond_gradcam import (check_dead_channel, check_expected_gradients_on_linear_model,  # noqa: F401
                             check_not_a_classic_mistake, check_sum_identity, check_variant_on_two_squares)
from .other_stages import your_functions  # noqa: F401
