"""The course on a GPU: the same numbers as on the CPU, the same random layers, its speed and costs, in one run.

    python -m utils.instructor.tools.gpu_check [--device cuda:0] [--skip-timing] [--skip-suite]     (or: make gpu-check)

Without CUDA it prints "no GPU: nothing to check" and exits 0. Otherwise:

1. **Accuracy.** Every case is an answer-key function or a student helper on a
   course model and input, computed three ways:

       truth      = the case in float64 on the CPU
       e_cpu      = relL2(float32 on the CPU,    truth)
       e_device   = relL2(float32 on the device, truth)
       e_between  = relL2(float32 on the device, float32 on the CPU)
       relL2(a, b) = ‖a − b‖₂ / ‖b‖₂

   A case passes when e_device ≤ max(FLOOR, FACTOR × e_cpu): the device is as
   close to float64 as the CPU is, up to a factor. It runs first with TF32 as
   PyTorch allows it by default for cuDNN ("TF32 on", reported only), then under
   the course's policy (:func:`utils.device.full_precision`, "TF32 off"), which decides.
2. **Random layers.** ``randomize_layers`` on the device equals it on the CPU,
   tensor for tensor, and leaves every generator of the device as it was.
   **Verdicts.** Every hidden test that compares within a tolerance, its answer
   computed on the device under the course's policy and judged against the CPU's
   answer key by the rule's own measure: the tolerances' table
   (``utils.instructor.tools.tolerance_spread``) with the device as one more correct
   way; each test's tolerance must stay sound (a GPU worker gives the CPU's verdicts).
3. **Speed** (figures, not pass/fail): the reference IG against Captum's best
   ``internal_batch_size``, one image and a batch of 32, on EfficientNet-Lite0 and
   ResNet-50 (built without weights: speed does not depend on them).
4. **The complexity table** (``utils.instructor.tools.complexity_table``) on the device.
5. **The suite's device-dependent tests** (``DEVICE_TESTS``), run by pytest.

The exit status is 1 when an accuracy or equality check or a test fails.
"""

from __future__ import annotations

import argparse
import copy
import subprocess
import sys
from dataclasses import dataclass
from typing import Callable

import torch

from utils.device import course_device, full_precision, generator_devices
from utils.measure import best_time

FACTOR, FLOOR = 3.0, 1e-4
DEVICE_TESTS = ["tests/student/test_device.py", "tests/reference/test_random_layers_anywhere.py", "tests/reference/test_complexity_measurement.py",
                "tests/student/explorer/test_explorer_complexity.py", "tests/student/explorer/test_explorer_device.py", "tests/tools/test_gpu_check.py",
                "tests/student/test_batching.py"]


@dataclass(frozen=True)
class Case:
    """One computation to compare: ``run(model, x, target)`` on the model ``model`` ("tiny" or "imagenet")."""

    name: str
    model: str
    run: Callable


@dataclass(frozen=True)
class Accuracy:
    name: str
    e_cpu: float
    e_device: float
    e_between: float

    @property
    def passed(self) -> bool:
        return self.e_device <= max(FLOOR, FACTOR * self.e_cpu)


def relative_l2(a: torch.Tensor, b: torch.Tensor) -> float:
    """‖a − b‖₂ / ‖b‖₂ in float64 on the CPU (0 when both are 0)."""
    a, b = torch.as_tensor(a).detach().cpu().double(), torch.as_tensor(b).detach().cpu().double()
    norm = float(b.norm())
    difference = float((a - b).norm())
    return difference / norm if norm > 0 else difference


def course_cases(full: bool = True) -> list[Case]:
    """The answer key's functions and the student helpers, on the MNIST model (and, with ``full``, EfficientNet-Lite0)."""
    from utils import maps
    from utils.instructor import reference as ref

    def curve(kind):
        def run(model, x, target):
            attribution = ref.vanilla_gradients(model, x, target)
            return kind(model, x, target, attribution, steps=20)
        return run

    def cascade(model, x, target):
        """ρ of each cascade step; the layers drawn in float32 (as the course does) also for the float64 truth."""
        trained, float32 = ref.vanilla_gradients(model, x, target), copy.deepcopy(model).float()
        return torch.tensor([ref.rank_correlation(trained, ref.vanilla_gradients(
            ref.randomize_layers(float32, k, seed=0).to(x.dtype), x, target)) for k in (1, 2, 3)])

    def smoothgrad_ig(model, x, target):
        """The noise drawn in float32 on the CPU (as the course does, then moved) also for the float64 truth."""
        def ig(_model, noisy, targets, **kwargs):
            return ref.integrated_gradients(model, noisy.to(x.dtype), targets, **kwargs)
        return ref.smoothgrad(ig, model, x.float(), target, n_samples=5, steps=10)

    per_model = [
        ("vanilla gradients", ref.vanilla_gradients),
        ("gradient × input", ref.gradient_x_input),
        ("integrated gradients, 50 steps", lambda m, x, t: ref.integrated_gradients(m, x, t, steps=50)),
        ("SmoothGrad + IG", smoothgrad_ig),
        ("CAM", ref.cam),
        ("Grad-CAM", ref.gradcam),
        ("Grad-CAM++", ref.gradcam_plusplus),
        ("deletion curve", curve(ref.deletion_curve)),
        ("insertion curve", curve(ref.insertion_curve)),
        ("randomisation cascade (ρ)", cascade),
        ("helper: utils.maps.gradient_map", maps.gradient_map),
        ("helper: utils.maps.integrated_gradients_map", maps.integrated_gradients_map),
        ("helper: utils.maps.gradcam_map", maps.gradcam_map),
        ("helper: utils.maps.guided_backprop_map", maps.guided_backprop_map),
    ]
    cases = [Case(f"{name} (MNIST model)", "tiny", run) for name, run in per_model]
    if full:
        cases += [Case(f"{name} (EfficientNet-Lite0)", "imagenet", run) for name, run in per_model]
        cases.append(Case("Grad-CAM at blocks.5 (EfficientNet-Lite0)", "imagenet",
                          lambda m, x, t: ref.gradcam(m, x, t, layer="blocks.5")))
    return cases


def course_inputs(full: bool = True) -> dict:
    """kind -> (float32 model on the CPU, x (1, C, H, W) on the CPU, target)."""
    from utils.data import load_mnist, load_photo
    from utils.models import load_imagenet_model, load_tiny_model

    inputs = {"tiny": (load_tiny_model(), load_mnist().x_test[:1], 7)}
    if full:
        photo = load_photo("coffee")
        inputs["imagenet"] = (load_imagenet_model(), photo.tensor[None], photo.label)
    return inputs


def on_cpu(cases: list[Case], inputs: dict) -> dict:
    """name -> (the case in float64 on the CPU, in float32 on the CPU): computed once, compared with every device run."""
    results = {}
    for case in cases:
        model, x, target = inputs[case.model]
        results[case.name] = (case.run(copy.deepcopy(model).double(), x.double(), target), case.run(model, x, target))
    return results


def accuracy(cases: list[Case], inputs: dict, device, cpu_results: dict | None = None) -> list[Accuracy]:
    """For each case: e_cpu, e_device and e_between (see the module's docstring), under the flags as they are now."""
    cpu_results = cpu_results or on_cpu(cases, inputs)
    rows = []
    for case in cases:
        model, x, target = inputs[case.model]
        truth, cpu = cpu_results[case.name]
        on_device = case.run(copy.deepcopy(model).to(device), x.to(device), target)
        rows.append(Accuracy(case.name, relative_l2(cpu, truth), relative_l2(on_device, truth),
                             relative_l2(on_device, cpu)))
    return rows


def random_layers_equal(inputs: dict, device, randomize=None) -> list[tuple[str, bool, bool]]:
    """(model, every tensor equal on the device and the CPU, the device's generators untouched) per course model."""
    from utils.instructor.reference import randomize_layers

    randomize = randomize or randomize_layers
    device = torch.device(device)
    rows = []
    for kind, (model, _, _) in inputs.items():
        cuda_states = ([torch.cuda.get_rng_state(i) for i in generator_devices()] if device.type == "cuda" else [])
        cpu_state = torch.random.get_rng_state()
        on_cpu = randomize(model, 4, seed=7)
        on_device = randomize(copy.deepcopy(model).to(device), 4, seed=7)
        equal = all(torch.equal(a, b.cpu()) for a, b in zip(on_cpu.state_dict().values(),
                                                            on_device.state_dict().values()))
        kept = torch.equal(cpu_state, torch.random.get_rng_state()) and all(
            torch.equal(state, torch.cuda.get_rng_state(i)) for i, state in zip(generator_devices(), cuda_states))
        rows.append((kind, equal, kept))
    return rows


def verdicts_on_device(device, stage_names=None) -> int:
    """Section 2's verdicts: the tolerances' table with the device's answers as one more correct way, printed;
    the number of tests whose tolerance the device's answers break."""
    from utils.instructor.paths import stages
    from utils.instructor.tools.tolerance_spread import markdown, measure

    full_precision()
    native = torch.backends.cpu.get_cpu_capability().lower()
    rows = measure(stage_names or stages(), capability_names=(native,), ways=(f"on {device}",), log=lambda *_: None)
    print("\nverdicts: each hidden test's answer on the device against the CPU's answer key\n")
    print(markdown(rows).split("\n\n", 2)[-1])
    return sum(not row.sound for row in rows)


def _print_accuracy(title: str, rows: list[Accuracy]) -> None:
    print(f"\n{title}\n")
    print("| case | float32 CPU vs float64 | float32 device vs float64 | device vs CPU | passes |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(f"| {row.name} | {row.e_cpu:.1e} | {row.e_device:.1e} | {row.e_between:.1e} | "
              f"{'yes' if row.passed else 'NO'} |")


def speed(device, repeat: int = 3, images=(1, 32), steps: int = 50, samples: int = 25,
          model_names=("EfficientNet-Lite0", "ResNet-50")) -> None:
    """The reference IG against Captum's best internal_batch_size, and SmoothGrad + IG against the seeds' loop."""
    from captum.attr import IntegratedGradients

    from utils.batching import auto_batch_size
    from utils.data import load_mnist
    from utils.explorer.architectures import build
    from utils.instructor.tools.bench import seeds_smoothgrad_ig_loop
    from utils.instructor.reference import integrated_gradients, smoothgrad
    from utils.models import load_imagenet_model, load_tiny_model

    models = {name: load_imagenet_model(device=device) if name == "EfficientNet-Lite0" else build(name, str(device))
              for name in model_names}
    print("\n| model | images | reference IG (ms) | its automatic batch size | Captum's best (ms) | at "
          "internal_batch_size | Captum / reference |")
    print("|---|---|---|---|---|---|---|")
    for name, model in models.items():
        for n in images:
            x = torch.rand(n, 3, 224, 224, generator=torch.Generator().manual_seed(0)).to(device) * 2 - 1
            ours = best_time(lambda: integrated_gradients(model, x, 0, steps=steps), repeat, warmup=1)
            captum = IntegratedGradients(model)
            points = n * (steps + 1)
            sizes = sorted({min(points, s) for s in (8, 17, 26, 51, 102, 204, 408, 816, points)})
            times = {s: best_time(lambda: captum.attribute(x, target=0, n_steps=steps + 1, method="riemann_trapezoid",
                                                           internal_batch_size=s), repeat, warmup=1) for s in sizes}
            best = min(times, key=times.get)
            automatic = auto_batch_size(x[0], points)
            print(f"| {name} | {n} | {ours * 1e3:.1f} | {automatic} | {times[best] * 1e3:.1f} | {best} | "
                  f"{times[best] / ours:.2f} |")
    tiny = load_tiny_model(device=device)
    digit = load_mnist().x_test[:1].to(device)
    ours = best_time(lambda: smoothgrad(integrated_gradients, tiny, digit, 7, n_samples=samples, steps=steps), repeat,
                     warmup=1)
    seeds = best_time(lambda: seeds_smoothgrad_ig_loop(tiny, digit, 7, n_samples=samples, steps=steps), 1, warmup=1)
    print(f"\nSmoothGrad + IG, MNIST model, N = {samples}, S = {steps}: reference {ours * 1e3:.1f} ms, seeds' nested loop "
          f"{seeds * 1e3:.1f} ms ({seeds / ours:.0f}×)")


def check(device, cases: list[Case], inputs: dict, tf32_before: bool = True) -> int:
    """Sections 1 and 2 of the module's docstring: the number of failures (accuracy and random-layer equality)."""
    full_precision()
    cpu_results = on_cpu(cases, inputs)
    if tf32_before:
        torch.backends.cudnn.allow_tf32 = True  # PyTorch's default for cuDNN: convolutions in TF32
        _print_accuracy("Accuracy with TF32 on (PyTorch's default for cuDNN), reported only:",
                        accuracy(cases, inputs, device, cpu_results))
    full_precision()
    after = accuracy(cases, inputs, device, cpu_results)
    _print_accuracy("Accuracy under the course's policy (TF32 off), decides:", after)
    failures = sum(not row.passed for row in after)
    print("\n| model | random layers equal on the device and the CPU | generators kept |\n|---|---|---|")
    for kind, equal, kept in random_layers_equal(inputs, device):
        print(f"| {kind} | {'yes' if equal else 'NO'} | {'yes' if kept else 'NO'} |")
        failures += (not equal) + (not kept)
    return failures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda", help="the GPU to check (default: cuda)")
    parser.add_argument("--skip-timing", action="store_true", help="no speed figures, no complexity table")
    parser.add_argument("--skip-suite", action="store_true", help="do not run the device-dependent tests")
    args = parser.parse_args(argv)
    if not torch.cuda.is_available():
        print("no GPU: nothing to check")
        return 0
    device = course_device(args.device)
    print(f"torch {torch.__version__}, {torch.cuda.get_device_name(device)}")
    failures = check(device, course_cases(), course_inputs())
    failures += verdicts_on_device(device)
    if not args.skip_timing:
        full_precision()
        speed(device)
        from utils.instructor.tools.complexity_table import main as complexity_table

        print()
        complexity_table(["--device", str(device)])
    if not args.skip_suite:
        tests = subprocess.run([sys.executable, "-m", "pytest", "-q", *DEVICE_TESTS])
        failures += tests.returncode != 0
        print(f"\ndevice-dependent tests: {'passed' if tests.returncode == 0 else 'FAILED'}")
    print(f"\n{'GPU check passed' if failures == 0 else f'GPU check FAILED: {failures} failure(s)'}")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
