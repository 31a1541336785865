"""Stage 09's hidden checks: correct HiResCAM, XGrad-CAM, LayerCAM and Expected Gradients pass; the classic mistakes
fail with their cause named (the stage-09 hand-ins of the demo class, as graded submissions)."""

import pytest

from utils.instructor.judge import judge_function

from tests.student_style import HIRES, LAYER, MEAN, eg_student, student_cam, xgrad


CAM_TESTS = {
    "compute_hirescam": ("test_compute_hirescam_form", "test_compute_hirescam_sum_identity",
                         "test_compute_hirescam_hidden_mnist", "test_compute_hirescam_hidden_imagenet"),
    "compute_xgradcam": ("test_compute_xgradcam_form", "test_compute_xgradcam_hidden_mnist",
                         "test_compute_xgradcam_hidden_imagenet"),
    "compute_layercam": ("test_compute_layercam_form", "test_compute_layercam_hidden_mnist",
                         "test_compute_layercam_hidden_imagenet"),
}
CORRECT = {"compute_hirescam": student_cam(HIRES), "compute_xgradcam": student_cam(xgrad),
           "compute_layercam": student_cam(LAYER)}


@pytest.mark.parametrize("grade_id", [g for tests in CAM_TESTS.values() for g in tests])
def test_correct_maps_pass(grade_id):
    function = next(f for f, tests in CAM_TESTS.items() if grade_id in tests)
    verdict = judge_function(grade_id, CORRECT[function])
    assert verdict.passed, verdict.message


@pytest.mark.parametrize("grade_id, wrong, mistake", [
    ("test_compute_hirescam_form", student_cam(MEAN), None),  # its pooled-layer cases cannot tell the mean
    ("test_compute_hirescam_hidden_mnist", student_cam(MEAN), "gradient_mean"),
    ("test_compute_hirescam_hidden_mnist", student_cam(LAYER), "relu_on_gradient"),
    ("test_compute_hirescam_hidden_mnist", student_cam(HIRES, relu=False), "no_relu"),
    ("test_compute_hirescam_sum_identity", student_cam(HIRES, honour_raw=False), "raw_ignored"),
    ("test_compute_xgradcam_hidden_mnist", student_cam(lambda A, g: (A * g).mean(dim=(1, 2))),
     "xgradcam_normaliser"),
    ("test_compute_xgradcam_hidden_mnist", student_cam(lambda A, g: (A * g).sum(dim=(1, 2)) / A.sum()),
     "xgradcam_normaliser"),
    ("test_compute_xgradcam_hidden_imagenet", student_cam(lambda A, g: (A * g).mean(dim=(1, 2))),
     "xgradcam_normaliser"),
    ("test_compute_layercam_hidden_mnist", student_cam(HIRES), "no_gradient_relu"),
    ("test_compute_layercam_hidden_mnist", student_cam(MEAN), "gradient_mean"),
], ids=["hirescam mean form", "hirescam mean", "hirescam relu(g)", "hirescam no relu", "hirescam raw ignored",
        "xgradcam /H'W'", "xgradcam /layer sum", "xgradcam /H'W' photo", "layercam signed g", "layercam mean"])
def test_classic_cam_mistakes_fail_with_their_cause(grade_id, wrong, mistake):
    verdict = judge_function(grade_id, wrong)
    assert (verdict.outcome, verdict.mistake) == ("wrong", mistake), verdict.message


def test_xgradcam_dividing_by_zero_fails():
    verdict = judge_function("test_compute_xgradcam_form", student_cam(lambda A, g: (A * g).sum(dim=(1, 2))
                                                                       / A.sum(dim=(1, 2))))
    assert verdict.outcome == "wrong" and "division by zero" in verdict.message


def test_grad_cam_passes_the_sum_identity_where_it_equals_hirescam():
    """At the pooled layer the two raw maps are equal: the identity test cannot and need not tell them apart."""
    assert judge_function("test_compute_hirescam_sum_identity", student_cam(MEAN)).passed


# --- Expected Gradients ----------------------------------------------------------------------------------------

EG_TESTS = ("test_expected_gradients_form", "test_expected_gradients_hidden_defaults",
            "test_expected_gradients_hidden_mnist")


@pytest.mark.parametrize("grade_id", EG_TESTS)
def test_a_correct_expected_gradients_passes(grade_id):
    verdict = judge_function(grade_id, eg_student())
    assert verdict.passed, verdict.message


@pytest.mark.parametrize("grade_id, wrong, mistake", [
    ("test_expected_gradients_form", eg_student(multiply=False), "eg_not_expectation"),
    ("test_expected_gradients_form", eg_student(one_baseline=True), "eg_not_expectation"),
    ("test_expected_gradients_form", eg_student(use_generator=False), "eg_generator_ignored"),
    ("test_expected_gradients_hidden_defaults", eg_student(seed_inside=True), "eg_not_fresh"),
    ("test_expected_gradients_hidden_mnist", eg_student(alpha=1.0), "eg_not_expectation"),
    ("test_expected_gradients_hidden_mnist", eg_student(alpha=0.0), "eg_not_expectation"),
], ids=["gradient only", "one baseline", "generator ignored", "seeded inside", "alpha 1", "alpha 0"])
def test_expected_gradients_mistakes_fail_with_their_cause(grade_id, wrong, mistake):
    verdict = judge_function(grade_id, wrong)
    assert (verdict.outcome, verdict.mistake) == ("wrong", mistake), verdict.message
