"""The complexity estimator: what each method costs, estimated and, on request, measured on this machine.

    complexity_estimator(count_flops_forward=count_flops_forward, cost_multipliers=cost_multipliers)

Estimate, for a model, an input size, S IG steps, N SmoothGrad samples and n Expected Gradients draws:

    MACs(method)        = multiplier(method) × MACs of one forward pass     (count_flops_forward, cost_multipliers)
    GFLOPs              = 2 × MACs / 1e9
    inputs held         = what a backward pass keeps the activations of, all at once
                          (CAM 0: no backward; Grad-CAM(++) 1; IG S+1; SmoothGrad + IG N(S+1); SmoothGrad + CAMs N)
    inputs batched      = min(inputs held, B),  B = utils.batching's batch size for this input on this device
                          (the course's IG sends its path through the model B points at a time)
    peak extra memory   ≈ inputs batched × activation bytes of one forward pass   (beside it: inputs held × the same,
                          what holding everything at once would need)

Stage 09's methods come after stage 07's, each costed as the stage-07 method whose passes it runs
(``utils.names.RUNS_LIKE``, from the notebook's own ``cost_multipliers``): HiResCAM, XGrad-CAM and LayerCAM as
Grad-CAM; Expected Gradients with n draws as n of IG's path points (multiplier(IG) · n / (S + 1)), plus its
background in memory: ``BACKGROUND_INPUTS`` inputs and the n baselines drawn from it.

"Measure" runs every method for real on ``device`` (default
:func:`utils.device.course_device`: a GPU when there is one) with the course's
batching. Every timed computation is run once untimed first, at the batch size it
is timed at. IG is timed with at most ``MEASURED_STEPS`` + 1 points (and at most
B) and SmoothGrad with one sample, then scaled linearly (their cost is linear in
S + 1 and N; Expected Gradients' n points are scaled from the same per-point time), which the table says. Memory on a GPU: the extra peak of the
batched computation over what was allocated before it (the weights excluded),
measured for each batch size; on a CPU, the bytes of the activations the
backward pass keeps, read by hooks (PyTorch does not expose a CPU peak), times
the inputs batched.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch

from utils.batching import batch_size_for
from utils.calling import ERROR, call
from utils.device import course_device
from utils.measure import MemoryProbe, activation_bytes, best_time, cuda_memory, extra_peak
from utils.names import PER_POINT, STAGE_OF, per_costed_method, per_estimated_method

from .architectures import ARCHITECTURES, build, flop_counter_macs, parameter_count
from .render import figure_png, show_in_notebook
from .sanity import layer_count

MEASURED_STEPS = 8
#: the background set Expected Gradients keeps in memory, in inputs (stage 09 draws from 32 digits)
BACKGROUND_INPUTS = 32
DELETION_STEPS = 50
EXERCISES = {name: STAGE_OF[name] for name in ("count_flops_forward", "cost_multipliers")}
WIDE_LABEL = {"description_width": "initial"}  # ipywidgets cuts descriptions at a fixed width otherwise


def inputs_at_once(steps: int, n_samples: int, draws: int) -> dict:
    """Method -> how many inputs' activations it holds together (CAM none: it has no backward pass)."""
    one_map = {"compute_cam": 0, "compute_gradcam": 1, "compute_gradcam_plusplus": 1, "integrated_gradients": steps + 1}
    return per_estimated_method(per_costed_method(one_map, n_samples), steps, draws)


def inputs_batched(steps: int, n_samples: int, draws: int, batch: int) -> dict:
    """Method -> inputs whose activations the course's batched computation holds at once: min(held, batch)."""
    return {method: min(held, batch) for method, held in inputs_at_once(steps, n_samples, draws).items()}


def input_copies(draws: int) -> dict:
    """Method -> whole inputs it keeps beside the activations: Expected Gradients' background set and the n
    baselines drawn from it (the other methods' few copies of the input are left out)."""
    return {name: BACKGROUND_INPUTS + draws for name in PER_POINT}


def extra_memory(activations_of: dict, in_ch: int, size: int, draws: int, bytes_per_value: int = 4) -> dict:
    """Method -> estimated peak extra bytes: ``activations_of`` (bytes of the activations it holds) plus
    :func:`input_copies` × the bytes of one input."""
    copies = input_copies(draws)
    return {method: held + copies.get(method, 0) * in_ch * size * size * bytes_per_value
            for method, held in activations_of.items()}


def memory_estimate(steps: int, n_samples: int, draws: int, batch: int, activation_bytes_per_input: int, in_ch: int,
                    size: int) -> tuple[dict, dict]:
    """(method -> estimated peak extra bytes batched ``batch`` inputs at a time, the same if all were held at once)."""
    return tuple(extra_memory({m: n * activation_bytes_per_input for m, n in inputs.items()}, in_ch, size, draws)
                 for inputs in (inputs_batched(steps, n_samples, draws, batch), inputs_at_once(steps, n_samples, draws)))


def course_batch(in_ch: int, size: int, steps: int, n_samples: int, device) -> int:
    """The batch size the course's computations use for this input on ``device`` (utils.batching's rule)."""
    return batch_size_for(in_ch * size * size, n_samples * (steps + 1), device)


def measure(name: str, size: int, steps: int, n_samples: int, device=None, memory: MemoryProbe | None = None,
            repeat: int = 2, draws: int = 64) -> dict:
    """Seconds and peak extra memory of each method, for one image, on ``device`` (see the module's docstring).

    ``memory`` reads the allocator (default: :func:`utils.measure.cuda_memory` on a GPU, none on a CPU, where
    activations are counted by hooks); tests pass a stand-in.
    """
    device = course_device(device)
    model = build(name, device)
    in_ch = ARCHITECTURES[name]
    x = torch.zeros(1, in_ch, size, size, device=device)
    batch = course_batch(in_ch, size, steps, n_samples, device)

    def forward():
        with torch.no_grad():
            model(x)

    def forward_backward(count):
        points = x.expand(count, -1, -1, -1).clone().requires_grad_(True)
        torch.autograd.grad(model(points)[:, 0].sum(), points)

    def run(count):
        return forward() if count == 0 else forward_backward(count)

    ig_points = min(steps + 1, MEASURED_STEPS + 1, batch)
    t_forward = best_time(forward, repeat, warmup=1)
    t_gradcam = best_time(lambda: forward_backward(1), repeat, warmup=1)
    t_ig = best_time(lambda: forward_backward(ig_points), repeat=1, warmup=1) * (steps + 1) / ig_points
    seconds = per_estimated_method(
        per_costed_method({"compute_cam": t_forward, "compute_gradcam": t_gradcam,
                           "compute_gradcam_plusplus": t_gradcam, "integrated_gradients": t_ig}, n_samples),
        steps, draws)
    held = inputs_batched(steps, n_samples, draws, batch)
    if memory is None and device.type == "cuda":
        memory = cuda_memory(device)
    if memory is not None:
        peaks = {count: extra_peak(lambda: run(count), memory) for count in sorted(set(held.values()))}
        how = "extra peak allocation of the batched computation over what was allocated before (weights excluded)"
    else:
        per_input = activation_bytes(model, in_ch, size, size)
        peaks = {count: count * per_input for count in set(held.values())}
        how = "activation bytes kept for the backward pass (hooks) × inputs batched"
    footprint = extra_memory({method: peaks[count] for method, count in held.items()}, in_ch, size, draws)
    return {"device": device.type, "forward_s": t_forward, "seconds": seconds, "batch": batch,
            "memory": footprint, "memory_how": how + f"; Expected Gradients + its background ({BACKGROUND_INPUTS} "
                                                   "inputs) and the n baselines drawn",
            "scaled": f"IG timed with {ig_points} path points in one batch and scaled to {steps + 1}; "
                      f"Expected Gradients = {draws} of those points; SmoothGrad = N × one sample; every timing "
                      "after a warm-up run at its batch size"}


class ComplexityEstimator:
    def __init__(self, count_flops_forward=None, cost_multipliers=None, device=None):
        self.device = course_device(device)
        self.count_flops_forward = count_flops_forward
        self.cost_multipliers = cost_multipliers
        self.model_choice = widgets.Dropdown(options=list(ARCHITECTURES), value="ResNet-50", description="model")
        self.size = widgets.IntSlider(value=224, min=28, max=512, step=4, description="input size",
                                      continuous_update=False, style=WIDE_LABEL)
        self.steps = widgets.IntSlider(value=50, min=1, max=300, description="IG steps S", continuous_update=False,
                                       style=WIDE_LABEL)
        self.samples = widgets.IntSlider(value=25, min=1, max=100, description="SmoothGrad samples N",
                                         continuous_update=False, style=WIDE_LABEL)
        self.draws = widgets.IntSlider(value=64, min=1, max=256, description="Expected Gradients draws n",
                                       continuous_update=False, style=WIDE_LABEL)
        self.measure_button = widgets.Button(description=f"Measure on this machine ({self.device.type})",
                                             button_style="primary", layout=widgets.Layout(width="auto"))
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="measuring")
        self.status = widgets.HTML()
        self.picture = widgets.Image(format="png")
        self.table = widgets.HTML()
        self.estimate: dict = {}
        self.measured: dict = {}
        self.render_count = 0
        for control in (self.model_choice, self.size, self.steps, self.samples, self.draws):
            control.observe(lambda _: self.render(), names="value")
        self.measure_button.on_click(lambda _: self.run_measurement())

    def compute_estimate(self) -> dict:
        name, size = self.model_choice.value, self.size.value
        in_ch = ARCHITECTURES[name]
        if self.count_flops_forward is None or self.cost_multipliers is None:
            missing = [n for n in EXERCISES if getattr(self, n) is None]
            return {"error": f"pass {' and '.join(missing)} (exercises in {STAGE_OF['cost_multipliers']}) to "
                             "complexity_estimator."}
        macs = call(self.count_flops_forward, (build(name, "meta"), in_ch, size, size), exercises=EXERCISES)
        if macs.kind == ERROR:  # e.g. a function that makes its dummy input on the CPU
            macs = call(self.count_flops_forward, (build(name, "cpu"), in_ch, size, size), exercises=EXERCISES)
        costs = call(self.cost_multipliers, (self.steps.value, self.samples.value), exercises=EXERCISES)
        for outcome in (macs, costs):
            if not outcome.ok:
                return {"error": outcome.message_with_line}
        if not isinstance(costs.value, dict):
            return {"error": f"cost_multipliers returned {type(costs.value).__name__}; it should return a dict."}
        meta = build(name, "meta")
        return {"macs": int(macs.value), "flop_counter_macs": flop_counter_macs(meta, in_ch, size, size),
                "costs": per_estimated_method(dict(costs.value), self.steps.value, self.draws.value),
                "parameters": parameter_count(meta),
                "activation_bytes": activation_bytes(meta, in_ch, size, size),
                "batch": course_batch(in_ch, size, self.steps.value, self.samples.value, self.device)}

    def render(self) -> None:
        self.estimate = self.compute_estimate()
        self.measured = {}
        self._draw()

    def _draw(self) -> None:
        estimate = self.estimate
        if "error" in estimate:
            self.status.value = f"<b>{estimate['error']}</b>"
            self.table.value = ""
            return
        costs, macs = estimate["costs"], estimate["macs"]
        methods = list(costs)
        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6), sharey=True)
        left.barh(methods, [costs[m] for m in methods], color="tab:blue")
        left.set_xscale("log")
        left.set_xlabel("forward-pass equivalents (log)")
        if self.measured:
            right.barh(methods, [costs[m] * self.measured["forward_s"] for m in methods], color="tab:orange",
                       label="estimated: × forward pass")
            right.barh(methods, [self.measured["seconds"][m] for m in methods], height=0.35, color="tab:green",
                       label=f"measured ({self.measured['device']})")
            right.legend(fontsize=8)
            right.set_xlabel("seconds per image (log)")
        else:
            right.barh(methods, [2 * macs * costs[m] / 1e9 for m in methods], color="tab:orange")
            right.set_xlabel("GFLOPs per image (log)")
        right.set_xscale("log")
        left.invert_yaxis()
        fig.suptitle(f"{self.model_choice.value}, {self.size.value}×{self.size.value}, S = {self.steps.value}, "
                     f"N = {self.samples.value}, n = {self.draws.value}", fontsize=10)
        fig.tight_layout()
        self.picture.value = figure_png(fig)
        self.render_count += 1
        agree = estimate["flop_counter_macs"] == macs
        check = ("matches FlopCounterMode" if agree else
                 f"<span style='color:firebrick'>FlopCounterMode counts {estimate['flop_counter_macs']:,} MACs: "
                 "check count_flops_forward</span>")
        self.status.value = (f"one forward pass: {macs / 1e9:.3g} GMACs ({check}); {estimate['parameters'] / 1e6:.2f} M "
                             f"parameters; activations of one image: {estimate['activation_bytes'] / 2**20:.0f} MiB")
        self.table.value = self._table()

    def _table(self) -> str:
        estimate, measured = self.estimate, self.measured
        costs = estimate["costs"]
        header = (f"<tr><th>method</th><th>× forward</th><th>GFLOPs</th><th>peak extra memory (est.), batched "
                  f"{estimate['batch']} at a time on {self.device.type}</th><th>(est.) if all held at once</th>")
        if measured:
            header += ("<th>estimated s</th><th>measured s</th><th>measured / estimated</th><th>memory ("
                       + ("measured extra peak" if "extra peak" in measured["memory_how"] else "activations, by hooks")
                       + ")</th>")
        steps, samples, draws = self.steps.value, self.samples.value, self.draws.value
        in_ch, size, per_input = ARCHITECTURES[self.model_choice.value], self.size.value, estimate["activation_bytes"]
        batched, held = memory_estimate(steps, samples, draws, estimate["batch"], per_input, in_ch, size)
        rows = []
        for method, multiple in costs.items():
            cells = [method, f"{multiple:,}", f"{2 * estimate['macs'] * multiple / 1e9:,.1f}",
                     f"{batched.get(method, 0) / 2**20:,.0f} MiB", f"{held.get(method, 0) / 2**20:,.0f} MiB"]
            if measured:
                guess = multiple * measured["forward_s"]
                real = measured["seconds"][method]
                cells += [f"{guess:.3g}", f"{real:.3g}", f"{real / guess:.2f}", f"{measured['memory'][method] / 2**20:,.0f} MiB"]
            rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        note = (f"<p>Measured on {measured['device']}: {measured['scaled']}; memory = {measured['memory_how']}. "
                "Estimated seconds = forward-pass equivalents × the measured forward pass.</p>" if measured else "")
        note += (f"<p>HiResCAM, XGrad-CAM and LayerCAM run Grad-CAM's passes; Expected Gradients with n = {draws} "
                 f"runs {draws} of IG's path points and keeps its background ({BACKGROUND_INPUTS} inputs) and the n "
                 "baselines drawn from it.</p>")
        return f"<table>{header}</tr>{''.join(rows)}</table>{note}{self._checks_table()}"

    def _checks_table(self) -> str:
        """What checking a map costs (stage 08), in forward-pass equivalents, from the same multipliers.

        model randomisation over all L layers   (L + 1) × cost(method)   one map per cascade step, and the trained one
        deletion or insertion with K steps       cost(method) + K + 1     the map, then one forward per step
        """
        costs, layers = self.estimate["costs"], layer_count(build(self.model_choice.value, "meta"))
        rows = []
        for method in ("Grad-CAM", "Integrated Gradients"):
            if method in costs:
                cascade, deletion = (layers + 1) * costs[method], costs[method] + DELETION_STEPS + 1
                rows.append(f"<tr><td>{method}</td><td>{cascade:,}</td><td>{deletion:,}</td></tr>")
        return ("<p>Checking a map (stage 08), in forward-pass equivalents:</p><table><tr><th>method</th>"
                f"<th>model randomisation, all {layers} layers</th><th>deletion curve, {DELETION_STEPS} steps</th></tr>"
                + "".join(rows) + "</table>")

    def run_measurement(self) -> None:
        if "error" in self.estimate:
            return
        self.progress.max, self.progress.value = 1, 0
        self.status.value += " — measuring…"
        outcome = call(measure, (self.model_choice.value, self.size.value, self.steps.value, self.samples.value,
                                 self.device), {"draws": self.draws.value})
        self.progress.value = 1
        if not outcome.ok:
            self.status.value = f"<b>the measurement failed: {outcome.message_with_line}</b>"
            return
        self.measured = outcome.value
        self._draw()

    def widget(self) -> widgets.Widget:
        controls = widgets.VBox([self.model_choice, self.size, self.steps, self.samples, self.draws,
                                 widgets.HBox([self.measure_button, self.progress])])
        return widgets.VBox([controls, self.status, self.picture, self.table])


def complexity_estimator(count_flops_forward=None, cost_multipliers=None, *, render: bool = True,
                         device=None) -> ComplexityEstimator:
    """Build (and display, inside Jupyter) the estimator over a notebook's two functions; ``device``: where to measure."""
    estimator = ComplexityEstimator(count_flops_forward, cost_multipliers, device)
    if render:
        estimator.render()
    show_in_notebook(estimator.widget())
    return estimator
