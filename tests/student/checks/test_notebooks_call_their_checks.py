"""The visible checks of every notebook: its visible test cell calls the helper tested beside this file, on the student's function (``utils/checks``) catch the
mistakes their messages name before grading, and pass a correct solution. No answer key is involved: the
checks use closed forms on small models."""

from __future__ import annotations

import pytest


VISIBLE_HELPERS = {
    "test_vanilla_gradients_form": [("check_on_linear_model", "vanilla_gradients")],
    "test_gradient_x_input_form": [("check_on_linear_model", "gradient_x_input")],
    "test_integrated_gradients_form": [("check_ig_on_cubic_model", "integrated_gradients"),
                                       ("check_ig_batches", "integrated_gradients")],
    "test_make_baseline_form": [("check_blur_baseline", "make_baseline")],
    "test_captum_integrated_gradients_form": [("check_ig_on_cubic_model", "captum_integrated_gradients"),
                                              ("check_captum_integrated_gradients", "captum_integrated_gradients")],
    "test_compute_cam_form": [("check_cam_on_two_squares", "compute_cam")],
    "test_compute_gradcam_form": [("check_cam_on_two_squares", "compute_gradcam")],
    "test_compute_gradcam_plusplus_form": [("check_cam_on_two_squares", "compute_gradcam_plusplus"),
                                           ("check_same_map_on_equivalent_model", "compute_gradcam_plusplus")],
    "test_smoothgrad_form": [("check_fresh_noise", "calls")],
    "test_count_flops_forward_form": [("check_mac_count", "count_flops_forward")],
    "test_cost_multipliers_form": [("check_cost_multipliers", "costs")],
    "test_randomize_layers_form": [("check_randomize_layers", "randomize_layers")],
    "test_rank_correlation_form": [("check_rank_correlation", "rank_correlation")],
    "test_model_randomization_test_form": [("check_model_randomization_test", "model_randomization_test")],
    "test_deletion_curve_form": [("check_deletion_curve", "deletion_curve")],
    "test_insertion_curve_form": [("check_deletion_curve", "insertion_curve")],
    "test_area_under_curve_form": [("check_area_under_curve", "area_under_curve")],
}


def released_test_cells() -> dict:
    """{grade_id: source} of every graded code cell of the student release (hidden tests stripped)."""
    import nbformat

    from utils.instructor.paths import RELEASE, stages

    cells = {}
    for stage in stages():
        for cell in nbformat.read(str(RELEASE / stage / f"{stage}.ipynb"), as_version=4).cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if cell.cell_type == "code" and grade_id:
                cells[grade_id] = cell.source
    return cells


def helper_calls(source: str, helper: str) -> list:
    import ast

    return [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and node.func.attr == helper
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "checks"]


@pytest.mark.parametrize("grade_id", sorted(VISIBLE_HELPERS))
def test_the_notebook_runs_the_visible_check_on_the_students_function(grade_id):
    """The mistakes above fail in the notebook itself, not only here: its visible test cell (as released to
    students) calls each helper with the student's function (or what it returned) among the arguments."""
    import ast

    source = released_test_cells()[grade_id]
    for helper, argument in VISIBLE_HELPERS[grade_id]:
        calls = helper_calls(source, helper)
        assert calls, f"{grade_id}: the released test cell never calls checks.{helper}"
        assert any(isinstance(node, ast.Name) and node.id == argument
                   for call in calls for arg in call.args for node in ast.walk(arg)), \
            f"{grade_id}: checks.{helper} is called, but not on {argument}"
