"""The explorers compute on the course's device (utils.device.course_device) and draw from CPU tensors."""

import pytest
import torch

from utils.device import ENVIRONMENT_VARIABLE, course_device
from utils.explorer import saliency_explorer
from utils.instructor import reference

FUNCTIONS = {"vanilla_gradients": reference.vanilla_gradients, "compute_gradcam": reference.gradcam}


def test_the_saliency_explorer_runs_on_the_course_device_and_keeps_results_on_the_cpu():
    explorer = saliency_explorer(FUNCTIONS)
    assert explorer.device == str(course_device())
    assert next(explorer.model.parameters()).device == course_device()
    for outcome in explorer.results.values():
        assert outcome.ok and outcome.value.device.type == "cpu"


def test_the_environment_variable_keeps_the_explorer_on_the_cpu(monkeypatch):
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "cpu")
    explorer = saliency_explorer(FUNCTIONS, render=False)
    assert explorer.device == "cpu" and next(explorer.model.parameters()).device.type == "cpu"


def test_a_device_that_is_not_there_is_a_clear_error(monkeypatch):
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "tpu")
    with pytest.raises(ValueError, match="XAI_COURSE_DEVICE='tpu'"):
        saliency_explorer(FUNCTIONS, render=False)


def test_the_maps_equal_the_answer_key_on_the_cpu(mnist, tiny_model):
    """What the explorer shows for a digit is the answer key's map of that digit (computed here on the CPU)."""
    explorer = saliency_explorer(FUNCTIONS, render=False)
    explorer.model_choice.value = "TinyGradCAMNet (MNIST)"
    explorer.image_choice.value = "digit 3"
    explorer.render()
    x = mnist.x_test[3:4]
    expected = reference.vanilla_gradients(tiny_model, x, explorer.class_index.value)
    shown = explorer.results[("", "Vanilla gradients")].value
    assert torch.allclose(shown.reshape(expected.shape), expected, rtol=1e-4, atol=1e-6)


def test_the_complexity_table_measures_on_the_device_it_is_given(capsys):
    from utils.instructor.tools.complexity_table import main

    main(["--model", "TinyGradCAMNet", "--size", "28", "--steps", "2", "--samples", "1", "--device", "cpu"])
    out = capsys.readouterr().out
    assert "on CPU" in out and "if all held at once" in out and "| Integrated Gradients | 9 |" in out


def test_the_benchmark_refuses_a_missing_gpu_with_the_fix(monkeypatch):
    from utils.instructor.tools.bench import main

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="use 'cpu'"):
        main(["--device", "cuda", "--repeat", "1"])


def test_the_saliency_explorers_long_labels_are_not_cut_off():
    explorer = saliency_explorer(FUNCTIONS, render=False, device="cpu")
    assert explorer.samples.style.description_width == explorer.sanity_layers.style.description_width == "initial"
    assert explorer.features_button.layout.width == explorer.sanity_button.layout.width == "auto"
