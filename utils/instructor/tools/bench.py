"""Benchmark: the reference Integrated Gradients against Captum and the seeds' loops.

    python -m utils.instructor.tools.bench [--device cpu|cuda]         (or: make bench)

On :func:`utils.device.course_device` (a GPU when there is one; ``--device`` or
``XAI_COURSE_DEVICE`` to choose), with the course's numerical policy (TF32 off).

Prints wall-clock seconds (best of ``--repeat`` runs) on this machine for

1. IG on EfficientNet-Lite0 at 224×224 with 50 steps: the reference (batched
   path), Captum's ``IntegratedGradients`` (same 51 trapezoid points) at each
   ``internal_batch_size`` tried and at its best, and the seeds' loop that runs one
   path point per forward/backward pass;
2. SmoothGrad + IG (N = 25 samples, S = 50 steps) on TinyGradCAMNet: the
   reference (samples × steps batched) against the seeds' nested loop.

Figures, not pass/fail: the goals (reference IG no slower than Captum's best,
≥ 2× faster than the seeds' loop; SmoothGrad + IG ≥ 10× faster than the seeds'
nested loop) are printed next to the measured ratios.
"""

from __future__ import annotations

import argparse

import torch

from utils.data import load_mnist, load_photo
from utils.measure import best_time
from utils.models import course_device, load_imagenet_model, load_tiny_model
from ..reference import integrated_gradients, smoothgrad


def seeds_ig_loop(model, x, target, steps=50):
    """The seeds' IG: one interpolated image per forward and backward pass (right Riemann)."""
    baseline = torch.zeros_like(x)
    total = torch.zeros_like(x)
    for k in range(1, steps + 1):
        point = (baseline + k / steps * (x - baseline)).requires_grad_(True)
        model.zero_grad()
        model(point)[0, target].backward()
        total += point.grad.detach()
    return (x - baseline) * total / steps


def seeds_smoothgrad_ig_loop(model, x, target, n_samples=25, noise_std=0.1, steps=50):
    """The seeds' SmoothGrad + IG: a Python loop over samples around the IG loop."""
    maps = [seeds_ig_loop(model, x + torch.randn_like(x) * noise_std, target, steps) for _ in range(n_samples)]
    return torch.stack(maps).mean(0)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Time IG and SmoothGrad + IG implementations.")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--device", default=None, help="cpu or cuda (default: CUDA when present, or $XAI_COURSE_DEVICE)")
    args = parser.parse_args(argv)
    from captum.attr import IntegratedGradients

    device = course_device(args.device)
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else f"{torch.get_num_threads()} threads"
    print(f"torch {torch.__version__}, device {device} ({where}), best of {args.repeat}\n")
    model = load_imagenet_model(device=device)
    photo = load_photo("coffee")
    x, target, steps = photo.tensor[None].to(device), photo.label, 50
    integrated_gradients(model, x, target, steps=steps)  # warm-up: one-off costs of a fresh model and input shape

    rows = {}
    rows["reference IG (batched path)"] = best_time(
        lambda: integrated_gradients(model, x, target, steps=steps), args.repeat)
    captum = IntegratedGradients(model)
    captum_times = {}
    for internal in (None, 8, 17, 26):
        captum_times[internal] = best_time(lambda: captum.attribute(
            x, target=target, n_steps=steps + 1, method="riemann_trapezoid",
            internal_batch_size=internal), args.repeat)
    captum_default = captum_times[None]
    best_internal = min(captum_times, key=captum_times.get)
    rows["Captum IG, internal_batch_size=None (all at once)"] = captum_default
    for internal, seconds in captum_times.items():
        if internal is not None:
            rows[f"Captum IG, internal_batch_size={internal}"] = seconds
    rows["seeds' loop (one point per pass)"] = best_time(lambda: seeds_ig_loop(model, x, target, steps), 1)

    print("Integrated Gradients, EfficientNet-Lite0, 224×224, 50 steps")
    for name, seconds in rows.items():
        print(f"  {name:52s} {seconds:6.2f} s")
    ours = rows["reference IG (batched path)"]
    captum_best = captum_times[best_internal]
    seeds = rows["seeds' loop (one point per pass)"]
    print(f"  Captum's best: internal_batch_size={best_internal} ({captum_best:.2f} s)")
    print(f"  reference vs Captum's best: {captum_best / ours:.2f}× (goal ≥ 1)")
    print(f"  reference vs seeds' loop:   {seeds / ours:.2f}× (goal ≥ 2)\n")

    tiny = load_tiny_model(device=device)
    digit = load_mnist().x_test[:1].to(device)
    label = int(tiny(digit).argmax())
    sg_ours = best_time(lambda: smoothgrad(integrated_gradients, tiny, digit, label, n_samples=25,
                                           noise_std=0.1, steps=50), args.repeat)
    sg_seeds = best_time(lambda: seeds_smoothgrad_ig_loop(tiny, digit, label), 1)
    print("SmoothGrad + IG, TinyGradCAMNet, 28×28, N = 25, S = 50")
    print(f"  {'reference (samples × steps batched)':52s} {sg_ours:6.2f} s")
    print(f"  {'seeds nested loop':52s} {sg_seeds:6.2f} s")
    print(f"  reference vs seeds' loop: {sg_seeds / sg_ours:.1f}× (goal ≥ 10)")


if __name__ == "__main__":
    main()
