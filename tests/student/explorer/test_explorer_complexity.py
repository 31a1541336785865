"""The complexity estimator, driven headless: estimates from the notebook's functions, cross-checked
with FlopCounterMode, stubs and wrong counts shown as messages, and a real measurement."""

import pytest

from utils.device import course_device
from utils.instructor import reference
from utils.explorer import complexity_estimator
from utils.explorer.architectures import ARCHITECTURES, build, flop_counter_macs
from utils.names import ESTIMATED_METHODS


def count_flops_forward(model, in_ch, H, W):
    return reference.count_flops_forward(model, in_ch, H, W)


def cost_multipliers(steps, n_samples):
    return reference.cost_multipliers(steps, n_samples)


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_every_architecture_is_built_without_weights_and_counted_like_flop_counter(name):
    model = build(name, "meta")
    assert reference.count_flops_forward(model, ARCHITECTURES[name], 96, 96) == \
        flop_counter_macs(model, ARCHITECTURES[name], 96, 96)


def test_moving_a_slider_redraws_with_new_numbers():
    estimator = complexity_estimator(count_flops_forward, cost_multipliers)
    first, count = bytes(estimator.picture.value), estimator.render_count
    macs_224 = estimator.estimate["macs"]
    estimator.size.value = 448
    assert estimator.render_count == count + 1 and bytes(estimator.picture.value) != first
    assert estimator.estimate["macs"] == pytest.approx(4 * macs_224, rel=0.02)
    estimator.steps.value = 10
    assert estimator.estimate["costs"]["Integrated Gradients"] == 33
    assert "matches FlopCounterMode" in estimator.status.value
    assert "SmoothGrad + IG" in estimator.table.value


def test_a_stub_names_the_exercise():
    def count_flops_forward(model, in_ch, H, W):
        raise NotImplementedError()

    estimator = complexity_estimator(count_flops_forward, cost_multipliers)
    assert "count_flops_forward is not implemented yet" in estimator.status.value
    assert "07_complexity" in estimator.status.value


def test_missing_functions_are_named():
    estimator = complexity_estimator(count_flops_forward=count_flops_forward)
    assert "pass cost_multipliers" in estimator.status.value


def test_a_wrong_count_is_flagged_against_flop_counter():
    def twice(model, in_ch, H, W):
        return 2 * reference.count_flops_forward(model, in_ch, H, W)

    estimator = complexity_estimator(twice, cost_multipliers)
    assert "FlopCounterMode counts" in estimator.status.value


def test_a_count_that_only_works_on_the_cpu_still_gets_an_estimate():
    import torch

    def cpu_only(model, in_ch, H, W):
        model(torch.zeros(1, in_ch, H, W))  # fails on the meta device, where the estimator tries first
        return reference.count_flops_forward(model, in_ch, H, W)

    estimator = complexity_estimator(render=False, count_flops_forward=cpu_only, cost_multipliers=cost_multipliers)
    estimator.model_choice.value = "TinyGradCAMNet"
    assert estimator.estimate["macs"] == reference.count_flops_forward(build("TinyGradCAMNet", "cpu"), 1, 224, 224)


def test_measuring_shows_measured_next_to_estimated_with_the_ratio():
    estimator = complexity_estimator(count_flops_forward, cost_multipliers, render=False)
    estimator.model_choice.value = "TinyGradCAMNet"
    estimator.size.value, estimator.steps.value, estimator.samples.value = 28, 4, 2
    estimator.measure_button.click()
    assert estimator.measured["seconds"]["Integrated Gradients"] > 0
    assert "measured / estimated" in estimator.table.value
    assert f"Measured on {course_device().type}" in estimator.table.value  # a GPU when there is one


def test_the_table_includes_what_checking_a_map_costs():
    """A model-randomisation cascade costs one map per layer and one more; deletion one forward per step."""
    estimator = complexity_estimator(count_flops_forward, cost_multipliers)
    estimator.model_choice.value, estimator.steps.value = "ResNet-18", 10
    layers = 20 + 20 + 1  # ResNet-18: 20 convolutions, 20 batch norms and the fully connected layer own weights
    table = estimator.table.value
    assert f"all {layers} layers" in table
    assert f"<td>Integrated Gradients</td><td>{(layers + 1) * 3 * 11:,}</td><td>{3 * 11 + 51:,}</td>" in table
    assert f"<td>Grad-CAM</td><td>{(layers + 1) * 3:,}</td><td>{3 + 51:,}</td>" in table


# ---- stage 09's methods: estimated from the notebook's own cost_multipliers ------------------------------------

def test_stage_09_cams_cost_what_gradcam_costs_and_expected_gradients_grows_with_n():
    estimator = complexity_estimator(count_flops_forward, cost_multipliers)
    estimator.model_choice.value, estimator.steps.value, estimator.draws.value = "ResNet-18", 10, 22
    costs = estimator.estimate["costs"]
    assert tuple(costs) == tuple(m.name for m in ESTIMATED_METHODS)
    assert costs["HiResCAM"] == costs["XGrad-CAM"] == costs["LayerCAM"] == costs["Grad-CAM"] == 3
    assert costs["Expected Gradients"] == 3 * 22 == costs["Integrated Gradients"] * 22 / 11  # IG's per point × n
    estimator.draws.value = 44
    assert estimator.estimate["costs"]["Expected Gradients"] == 2 * 66
    table = estimator.table.value
    assert "<td>HiResCAM</td><td>3</td>" in table and "<td>Expected Gradients</td><td>132</td>" in table


def test_expected_gradients_memory_is_igs_for_as_many_points_plus_its_background():
    from utils.explorer.complexity import BACKGROUND_INPUTS, memory_estimate

    per_input, size = 10_000, 28
    batched, held = memory_estimate(steps=15, n_samples=2, draws=16, batch=8, activation_bytes_per_input=per_input,
                                    in_ch=1, size=size)
    background = (BACKGROUND_INPUTS + 16) * size * size * 4
    assert held["Expected Gradients"] == held["Integrated Gradients"] + background == 16 * per_input + background
    assert batched["Expected Gradients"] == 8 * per_input + background  # batched like IG's path
    assert held["HiResCAM"] == held["LayerCAM"] == held["Grad-CAM"] == per_input


def test_a_cost_multipliers_without_ig_leaves_expected_gradients_out():
    def no_ig(steps, n_samples):
        costs = reference.cost_multipliers(steps, n_samples)
        del costs["Integrated Gradients"]
        return costs

    estimator = complexity_estimator(count_flops_forward, no_ig)
    assert "Expected Gradients" not in estimator.estimate["costs"] and estimator.estimate["costs"]["HiResCAM"] == 3
    assert "<td>HiResCAM</td>" in estimator.table.value


def test_measured_seconds_of_stage_09_methods_come_from_the_same_timings():
    from utils.explorer.complexity import measure

    result = measure("TinyGradCAMNet", 28, 7, 2, "cpu", repeat=1, draws=24)
    seconds = result["seconds"]
    assert seconds["HiResCAM"] == seconds["XGrad-CAM"] == seconds["LayerCAM"] == seconds["Grad-CAM"]
    assert seconds["Expected Gradients"] == pytest.approx(seconds["Integrated Gradients"] * 24 / 8)
    assert result["memory"]["Expected Gradients"] > result["memory"]["Integrated Gradients"]
