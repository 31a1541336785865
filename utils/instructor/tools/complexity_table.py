"""Estimated against measured cost of every method, ResNet-50 at 224×224 (the README's table).

    python -m utils.instructor.tools.complexity_table [--model ResNet-50] [--size 224] [--steps 50] [--samples 25]
                                                [--draws 64] [--device cpu|cuda]

Stage 07's methods, then stage 09's (HiResCAM, XGrad-CAM, LayerCAM: Grad-CAM's passes; Expected Gradients with
n = ``--draws`` points: n of IG's path points, plus its background in memory), as the complexity estimator lists them.

Measured on :func:`utils.device.course_device` (a GPU when there is one; ``--device``
or ``XAI_COURSE_DEVICE`` to choose).

A maintainer's tool: it uses the answer key, which the student bundle does not ship.
"""

from __future__ import annotations

import argparse
import os

import torch

from utils.device import course_device
from utils.explorer.architectures import ARCHITECTURES, activation_bytes, build
from utils.explorer.complexity import measure, memory_estimate


def main(argv=None) -> None:
    from utils.instructor.reference import count_macs_forward, estimated_cost_multipliers

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="ResNet-50", choices=list(ARCHITECTURES))
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--samples", type=int, default=25)
    parser.add_argument("--draws", type=int, default=64, help="Expected Gradients' n (points)")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: CUDA when present, or $XAI_COURSE_DEVICE)")
    args = parser.parse_args(argv)
    chosen = course_device(args.device)

    macs = count_macs_forward(build(args.model, "meta"), ARCHITECTURES[args.model], args.size, args.size)
    costs = estimated_cost_multipliers(args.steps, args.samples, args.draws)
    result = measure(args.model, args.size, args.steps, args.samples, chosen, draws=args.draws)
    in_ch = ARCHITECTURES[args.model]
    per_input = activation_bytes(build(args.model, "meta"), in_ch, args.size, args.size)
    batched, held = memory_estimate(args.steps, args.samples, args.draws, result["batch"], per_input, in_ch,
                                    args.size)
    device = (torch.cuda.get_device_name() if result["device"] == "cuda" else f"CPU, {os.cpu_count()} cores, "
              f"{torch.get_num_threads()} threads")
    print(f"{args.model}, {args.size}×{args.size}, S = {args.steps}, N = {args.samples}, n = {args.draws}, on "
          f"{device}; one forward "
          f"pass = {macs / 1e9:.2f} GMACs, measured {result['forward_s'] * 1e3:.0f} ms.\n")
    print(f"| method | × forward | GFLOPs | estimated s | measured s | measured / estimated | memory est., batched "
          f"{result['batch']} at a time (MiB) | est. if all held at once (MiB) | memory measured (MiB) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for method, multiple in costs.items():
        estimated = multiple * result["forward_s"]
        measured = result["seconds"][method]
        print(f"| {method} | {multiple:,} | {2 * macs * multiple / 1e9:,.0f} | {estimated:,.2f} | {measured:,.2f} | "
              f"{measured / estimated:.2f} | {batched.get(method, 0) / 2**20:,.0f} | "
              f"{held.get(method, 0) / 2**20:,.0f} | {result['memory'][method] / 2**20:,.0f} |")
    print(f"\n{result['scaled']}. Estimated seconds = forward-pass equivalents × the measured forward pass. "
          f"Measured memory: {result['memory_how']}.")


if __name__ == "__main__":
    main()
