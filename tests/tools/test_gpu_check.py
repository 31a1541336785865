"""The GPU check's CPU-only parts: its comparison logic with the CPU standing in for CUDA, its verdicts, its exit."""

import pytest
import torch

from utils.instructor.tools import gpu_check
from utils.instructor.tools.gpu_check import Accuracy, Case, accuracy, check, random_layers_equal, relative_l2


@pytest.fixture(scope="module")
def tiny_inputs():
    return gpu_check.course_inputs(full=False)


def test_without_cuda_there_is_nothing_to_check(monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert gpu_check.main([]) == 0
    assert capsys.readouterr().out.strip() == "no GPU: nothing to check"


def test_relative_l2_by_hand():
    assert relative_l2(torch.tensor([3.0, 4.0]), torch.tensor([3.0, 0.0])) == pytest.approx(4 / 3)
    assert relative_l2(torch.zeros(2), torch.zeros(2)) == 0


@pytest.mark.parametrize("e_cpu, e_device, passed", [(3e-4, 8e-4, True), (3e-4, 1.2e-1, False), (1e-7, 9e-5, True),
                                                      (1e-7, 2e-3, False)])
def test_a_device_passes_when_as_close_to_float64_as_the_cpu(e_cpu, e_device, passed):
    assert Accuracy("case", e_cpu, e_device, 0.0).passed is passed


def test_every_course_case_passes_with_the_cpu_standing_in_for_the_gpu(tiny_inputs, capsys):
    cases = gpu_check.course_cases(full=False)
    assert len(cases) == 14
    assert check("cpu", cases, tiny_inputs, tf32_before=False) == 0
    out = capsys.readouterr().out
    assert "NO" not in out and "| tiny | yes | yes |" in out
    assert sum(line.startswith("| ") and line.endswith(" | yes |") for line in out.splitlines()) == 14 + 1


def test_a_device_that_loses_precision_fails(tiny_inputs):
    """A stand-in 'device' run that rounds to bfloat16, as a TF32 convolution nearly does, is caught."""
    from utils.instructor.reference import vanilla_gradients

    calls = []

    def lossy(model, x, target):
        calls.append(1)
        result = vanilla_gradients(model, x, target)
        return result.bfloat16().to(result.dtype) if len(calls) == 3 else result  # the third run is the device's

    [row] = accuracy([Case("lossy", "tiny", lossy)], tiny_inputs, "cpu")
    assert not row.passed and row.e_between > 1e-3


def test_random_layers_that_depend_on_the_device_are_caught(tiny_inputs):
    from utils.instructor.reference import randomize_layers

    calls = []

    def device_dependent(model, n_layers, seed=0):
        calls.append(1)
        return randomize_layers(model, n_layers, seed + len(calls))  # another draw on the second ("device") call

    assert random_layers_equal(tiny_inputs, "cpu") == [("tiny", True, True)]
    assert random_layers_equal(tiny_inputs, "cpu", randomize=device_dependent) == [("tiny", False, True)]


def test_the_speed_figures_run_and_print_the_ratios(capsys):
    """The speed section on a small setting, the CPU standing in for the GPU: one row per model and image count."""
    gpu_check.speed("cpu", repeat=1, images=(1, 2), steps=2, samples=2, model_names=("ResNet-18",))
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| ResNet-18 |")]
    assert [row.split(" | ")[1] for row in rows] == ["1", "2"]
    assert all(float(row.split(" | ")[-1].rstrip(" |")) > 0 for row in rows)
    assert "SmoothGrad + IG, MNIST model, N = 2, S = 2" in out


def test_the_verdicts_check_judges_the_devices_answers_against_the_cpus_answer_key(capsys):
    """With the CPU standing in for the GPU: stage 01's tests, each answer computed "on cpu", are sound."""
    assert gpu_check.verdicts_on_device("cpu", ["01_vanilla_gradients"]) == 0
    out = capsys.readouterr().out
    for grade_id in ("test_vanilla_gradients_form", "test_vanilla_gradients_hidden_imagenet",
                     "test_vanilla_gradients_hidden_mnist"):
        assert f"| `{grade_id}` | close |" in out
    assert "**no**" not in out
