"""The course's names, written once: its stages, the exercise functions of each stage that
the explorers take, the baselines, and the methods the explorers show, stage 07 costs and the complexity estimator estimates.

The explorers (``utils.explorer``), the answer key and the tests read them from here.

The class a map explains is ``target`` in the course's own code (the answer key, the recorder, the judge, the
checks), as in Captum's ``attribute(target=...)``; the graded signatures keep the names released notebooks use
(``target_class`` in stages 01-03 and 05; ``class_idx`` in stage 06, and in the ``explain(model, x, class_idx)`` its
smoothgrad is handed), since renaming them would break those notebooks.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Each stage, in order, with the functions of its exercises that the explorers take.
STAGE_FUNCTIONS = {
    "01_vanilla_gradients": ("vanilla_gradients",),
    "02_gradient_x_input": ("gradient_x_input",),
    "03_integrated_gradients": ("integrated_gradients",),
    "04_baselines": ("make_baseline",),
    "05_captum_comparison": (),
    "06_cam_family": ("compute_cam", "compute_gradcam", "compute_gradcam_plusplus", "smoothgrad"),
    "07_complexity": ("count_flops_forward", "cost_multipliers"),
    "08_sanity_checks": ("randomize_layers", "rank_correlation"),
    "09_beyond_gradcam": ("compute_hirescam", "compute_xgradcam", "compute_layercam", "expected_gradients"),
}
STAGES = tuple(STAGE_FUNCTIONS)


def stage_numbered(number: str) -> str:
    """The stage whose number is ``number`` ("01" → "01_vanilla_gradients"; the hidden tests' module
    ``utils.recording.stage01`` declares that stage's tests). ValueError naming the stages otherwise."""
    for stage in STAGES:
        if stage.split("_", 1)[0] == number:
            return stage
    raise ValueError(f"no stage is numbered {number!r}; the stages are {list(STAGES)}")

#: function name -> the stage whose exercise it is
STAGE_OF = {function: stage for stage, functions in STAGE_FUNCTIONS.items() for function in functions}

#: The kinds of ``make_baseline`` (stage 04).
BASELINE_KINDS = ("zeros", "black", "white", "blur", "noise")


@dataclass(frozen=True)
class Method:
    """A method as the explorers show it and stage 07 costs it."""

    name: str           # shown in the widget; a key of cost_multipliers' table
    needs: tuple        # the exercise functions it calls, the one that makes a single map last
    kind: str           # "signed" (pixel attribution) or "heatmap" (CAM family, in [0, 1])
    uses: tuple = ()    # parameters that change its result: "baseline", "steps", "samples" (SmoothGrad's N),
                        # "background" and "draws" (Expected Gradients' baselines and its n)

    @property
    def single(self) -> str:
        """The function that makes one map (``compute_gradcam`` for SmoothGrad + Grad-CAM)."""
        return self.needs[-1]

    @property
    def smoothed(self) -> bool:
        """SmoothGrad around ``single``: N noisy copies, each one call of it."""
        return "samples" in self.uses


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
    Method("HiResCAM", ("compute_hirescam",), "heatmap"),
    Method("XGrad-CAM", ("compute_xgradcam",), "heatmap"),
    Method("LayerCAM", ("compute_layercam",), "heatmap"),
    Method("Expected Gradients", ("expected_gradients",), "signed", ("background", "draws")),
)
METHOD_BY_NAME = {m.name: m for m in METHODS}

#: The methods stage 07 costs, in the order of its table (the keys of ``cost_multipliers``).
COSTED_METHODS = tuple(METHOD_BY_NAME[name] for name in (
    "CAM", "Grad-CAM", "Grad-CAM++", "Integrated Gradients",
    "SmoothGrad + IG", "SmoothGrad + Grad-CAM", "SmoothGrad + Grad-CAM++",
))


def per_costed_method(per_map: dict, n_samples: int) -> dict:
    """{name: value} for each of :data:`COSTED_METHODS`, from ``per_map`` = {single function: value of one map}.

    A SmoothGrad method is N noisy copies of its single method: N times the value.
    """
    return {m.name: n_samples * per_map[m.single] if m.smoothed else per_map[m.single] for m in COSTED_METHODS}


#: Stage 09's methods, each with the stage-07 method whose passes it runs: the one place that says what they cost.
#: HiResCAM, XGrad-CAM and LayerCAM: one forward and one backward pass, and the activations and gradients of the
#: chosen layer, like Grad-CAM (only the weighting of the maps differs, which is negligible). Expected Gradients
#: with n draws: n points (a baseline and an α each), each one forward and one backward pass like one of IG's
#: S + 1 path points, batched alike; beside them it holds its background set.
RUNS_LIKE = {
    "HiResCAM": "Grad-CAM",
    "XGrad-CAM": "Grad-CAM",
    "LayerCAM": "Grad-CAM",
    "Expected Gradients": "Integrated Gradients",
}
#: the methods whose cost is per point (n points, against IG's S + 1)
PER_POINT = ("Expected Gradients",)

#: What the complexity estimator (and ``make complexity-table``) lists: stage 07's methods, then stage 09's.
#: Not stage 07's graded table: ``cost_multipliers`` returns :data:`COSTED_METHODS` only.
ESTIMATED_METHODS = COSTED_METHODS + tuple(METHOD_BY_NAME[name] for name in RUNS_LIKE)


def per_estimated_method(costed: dict, steps: int, draws: int) -> dict:
    """{name: value} for each of :data:`ESTIMATED_METHODS`, from ``costed`` = {name: value} for stage 07's methods
    (``cost_multipliers(S, N)``'s forward-pass equivalents, measured seconds, inputs held at once: anything that
    grows like the passes run).

    A stage-09 CAM has its Grad-CAM's value; Expected Gradients with n = ``draws`` points has IG's value per path
    point times n: value(IG) · n / (S + 1). A method whose stage-07 value is missing from ``costed`` (a
    ``cost_multipliers`` still incomplete) is left out.
    """
    values = dict(costed)
    for name, like in RUNS_LIKE.items():
        if like in costed:
            value = costed[like] * draws / (steps + 1) if name in PER_POINT else costed[like]
            values[name] = int(value) if isinstance(value, float) and value.is_integer() else value
    return values
