"""The complexity estimator's costs measured right: extra peak memory over what was there, the batched computation the
course runs, timings warmed up at their batch size, labels in full. The CUDA allocator is stood in for on a CPU; the real
one is checked where CUDA exists (and by ``python -m utils.instructor.tools.gpu_check``)."""

import pytest
import torch

from utils.explorer import complexity
from utils.explorer.complexity import BACKGROUND_INPUTS, complexity_estimator, measure
from utils.instructor import reference
from utils.measure import MemoryProbe, best_time, cuda_memory, extra_peak

# TinyGradCAMNet at 28×28 keeps, per input, the outputs of conv1, act1 (8 channels), conv2, act2 (16), conv3, act3 (32),
# each 28×28, the pooled 32 and the 10 logits, in float32: counted by hand from the architecture.
TINY_ACTIVATION_BYTES = 4 * ((8 + 8 + 16 + 16 + 32 + 32) * 28 * 28 + 32 + 10)


class FakeAllocator:
    """A CUDA allocator's counters, driven by hand: ``weights`` bytes sit there before anything runs."""

    def __init__(self, weights: int):
        self.now = self.high = weights

    def allocate(self, n: int):
        self.now += n
        self.high = max(self.high, self.now)

    def free(self, n: int):
        self.now -= n

    def probe(self) -> MemoryProbe:
        return MemoryProbe(lambda: self.now, self._reset, lambda: self.high)

    def _reset(self):
        self.high = self.now


def test_the_extra_peak_leaves_out_what_was_allocated_before():
    allocator = FakeAllocator(weights=500 << 20)

    def work():  # 30 MiB of activations, 10 MiB more at the peak, all freed at the end
        allocator.allocate(30 << 20)
        allocator.allocate(10 << 20)
        allocator.free(40 << 20)

    assert extra_peak(work, allocator.probe()) == 40 << 20


def test_measure_reports_the_probes_extra_peak_not_times_the_inputs():
    allocator = FakeAllocator(weights=1 << 30)
    probe = MemoryProbe(lambda: allocator.now, allocator._reset, lambda: allocator.now + (7 << 20))
    result = measure("TinyGradCAMNet", 28, 4, 2, device="cpu", memory=probe, repeat=1, draws=64)
    memory = dict(result["memory"])
    background = (BACKGROUND_INPUTS + 64) * 1 * 28 * 28 * 4   # its background and its n baselines, float32 digits
    assert memory.pop("Expected Gradients") == (7 << 20) + background
    assert set(memory.values()) == {7 << 20}
    assert "extra peak" in result["memory_how"]


def test_cpu_memory_is_the_hand_counted_activations_times_the_inputs_batched():
    result = measure("TinyGradCAMNet", 28, 4, 2, device="cpu", repeat=1)
    memory = result["memory"]
    assert result["batch"] == 10  # N (S + 1) = 10 points, far below the CPU's 256 and 1 M input elements
    assert memory["CAM"] == 0
    assert memory["Grad-CAM"] == TINY_ACTIVATION_BYTES
    assert memory["Integrated Gradients"] == 5 * TINY_ACTIVATION_BYTES
    assert memory["SmoothGrad + IG"] == 10 * TINY_ACTIVATION_BYTES
    assert memory["SmoothGrad + Grad-CAM"] == 2 * TINY_ACTIVATION_BYTES


def test_every_timing_is_warmed_up(monkeypatch):
    calls = []

    def recording_best_time(function, repeat=2, warmup=0):
        calls.append(warmup)
        return best_time(function, repeat, warmup)

    monkeypatch.setattr(complexity, "best_time", recording_best_time)
    measure("TinyGradCAMNet", 28, 4, 2, device="cpu", repeat=1)
    assert calls and all(w >= 1 for w in calls)


def test_best_time_leaves_the_warm_up_out():
    import time

    runs = []

    def slow_first():
        time.sleep(0.3 if not runs else 0.0)
        runs.append(1)

    assert best_time(slow_first, repeat=1, warmup=1) < 0.15 and len(runs) == 2


def test_ig_is_timed_at_the_batch_the_course_uses(monkeypatch):
    """ResNet-50 at 512×512 on a CPU: 2**20 // (3·512·512) = 1 point per batch, so IG is timed one point at a time."""
    seen = []
    real = torch.Tensor.expand

    def spy(self, *sizes):
        seen.append(sizes[0])
        return real(self, *sizes)

    monkeypatch.setattr(torch.Tensor, "expand", spy)
    monkeypatch.setattr(complexity, "activation_bytes", lambda *args: 0)
    monkeypatch.setattr(complexity, "build", lambda name, device: torch.nn.Sequential(
        torch.nn.Conv2d(3, 1, 1), torch.nn.Flatten()).to(device))
    result = measure("ResNet-50", 512, 50, 1, device="cpu", repeat=1)
    assert result["batch"] == 1 and max(seen) == 1
    assert "1 path points" in result["scaled"]


def test_the_estimate_is_the_batched_peak_with_the_hold_everything_figure_beside_it():
    estimator = complexity_estimator(reference.count_flops_forward, reference.cost_multipliers, render=False,
                                     device="cpu")
    estimator.model_choice.value, estimator.size.value = "ResNet-50", 320
    estimator.steps.value, estimator.samples.value = 50, 25
    assert estimator.estimate["batch"] == (1 << 20) // (3 * 320 * 320)  # 3 inputs at a time on a CPU
    table = estimator.table.value
    assert "batched 3 at a time on cpu" in table and "if all held at once" in table
    row = table.split("<td>Integrated Gradients</td>")[1].split("</tr>")[0]
    batched, held = (float(cell.split(" MiB")[0].replace(",", "")) for cell in row.split("<td>")[3:5])
    assert held / batched == pytest.approx(51 / 3, rel=0.01)


def test_labels_are_not_cut_off():
    estimator = complexity_estimator(reference.count_flops_forward, reference.cost_multipliers, render=False)
    assert estimator.samples.description == "SmoothGrad samples N"
    for slider in (estimator.size, estimator.steps, estimator.samples):
        assert slider.style.description_width == "initial"
    assert estimator.measure_button.layout.width == "auto"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA; the CPU stand-ins above run everywhere")
def test_the_cuda_extra_peak_of_a_known_tensor():
    already = torch.empty(256 << 20, dtype=torch.uint8, device="cuda")  # 256 MiB sitting there, like weights
    known = 64 << 20
    peak = extra_peak(lambda: torch.empty(known, dtype=torch.uint8, device="cuda"), cuda_memory())
    assert peak == known
    del already
