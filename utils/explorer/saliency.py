"""The saliency explorer: pick a model, an image, a class and methods; see every map next to the input.

    saliency_explorer(compute_gradcam=compute_gradcam, smoothgrad=smoothgrad)        # a notebook's own functions
    saliency_explorer(mine, compare={"reference": theirs})                           # instructors: two rows

Results are cached by (image, class, method, parameters): going back to a setting
is instant. The model and its inputs live on ``device`` (default
:func:`utils.device.course_device`: a GPU when there is one, ``XAI_COURSE_DEVICE=cpu``
to stay on the CPU); images and results are kept on the CPU for drawing. A function that is still a stub shows which exercise to finish; one
that raises shows its error; the widget itself never dies.
"""

from __future__ import annotations

import time
from dataclasses import replace

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch

from utils.calling import ERROR, NOT_DONE, Outcome, call
from utils.device import course_device
from utils.names import BASELINE_KINDS, METHOD_BY_NAME, METHODS
from utils.plotting import image_for_display, show_heatmap_overlay, show_image, show_signed_map

from . import images
from .cache import ResultCache
from .feature_maps import candidate_layers, feature_map_figure, maps_and_weights
from .methods import EXERCISE_OF, FunctionSet
from .render import figure_png, show_in_notebook
from .sanity import correlation, layer_count, randomised_map, sanity_figure

DEFAULT_METHODS = ("Vanilla gradients", "Grad-CAM")


class SaliencyExplorer:
    def __init__(self, functions: dict | None = None, compare: dict | None = None, device=None):
        self.device = str(course_device(device))
        rows = {"": FunctionSet(functions or {})}
        for label, other in (compare or {}).items():
            rows[label] = FunctionSet(other)
        if compare:
            rows = {"yours": rows.pop(""), **rows}
        self.rows = rows
        self.cache = ResultCache()
        self.results: dict = {}          # (row, method) -> Outcome of the last render
        self._subject: tuple | None = None  # ((kind, image, seed), Subject): loaded once per choice
        self.render_count = 0

        self.model_choice = widgets.Dropdown(options=list(images.MODELS), description="model")
        self.image_choice = widgets.Dropdown(description="image")
        self.seed = widgets.IntText(value=0, description="random seed", layout=widgets.Layout(width="180px"))
        self.top5 = widgets.Dropdown(description="top-5")
        self.class_index = widgets.IntText(value=0, description="class")
        self.methods = widgets.SelectMultiple(options=[m.name for m in METHODS], value=DEFAULT_METHODS,
                                              rows=len(METHODS), description="methods")
        self.baseline = widgets.Dropdown(options=BASELINE_KINDS, value="zeros", description="IG baseline")
        self.steps = widgets.IntSlider(value=32, min=1, max=128, description="IG steps")
        self.samples = widgets.IntSlider(value=8, min=1, max=50, description="SG samples N",
                                         style={"description_width": "initial"})
        self.noise_std = widgets.FloatSlider(value=0.1, min=0.0, max=0.5, step=0.01, description="SG σ")
        self.draws = widgets.IntSlider(value=16, min=1, max=128, description="EG draws n",
                                       style={"description_width": "initial"})
        self.explain_button = widgets.Button(description="Explain", button_style="primary")
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="progress")
        self.status = widgets.HTML()
        self.picture = widgets.Image(format="png")
        self.layer = widgets.Dropdown(description="layer")
        self.features_button = widgets.Button(description="Show feature maps", layout=widgets.Layout(width="auto"))
        self.features_picture = widgets.Image(format="png")
        self.features_status = widgets.HTML()
        self.sanity_method = widgets.Dropdown(options=[m.name for m in METHODS], value="Vanilla gradients",
                                              description="method")
        self.sanity_layers = widgets.IntSlider(value=1, min=0, max=1, description="random top layers",
                                               style={"description_width": "initial"})
        self.sanity_button = widgets.Button(description="Randomise and explain", layout=widgets.Layout(width="auto"))
        self.sanity_picture = widgets.Image(format="png")
        self.sanity_status = widgets.HTML()

        self.model_choice.observe(lambda _: self._model_changed(), names="value")
        self.image_choice.observe(lambda _: self._image_changed(), names="value")
        self.seed.observe(lambda _: self._image_changed(), names="value")
        self.top5.observe(self._top5_chosen, names="value")
        self.explain_button.on_click(lambda _: self.render())
        self.features_button.on_click(lambda _: self.render_feature_maps())
        self.sanity_button.on_click(lambda _: self.render_sanity_check())
        self._model_changed()

    # ---- state -------------------------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        return images.MODELS[self.model_choice.value]

    @property
    def model(self):
        return images.load_model(self.kind, self.device)

    def subject(self) -> images.Subject:
        """The chosen model's chosen image, loaded (and resized) once per choice, not on every access.

        Functions from a notebook get ``subject.x.clone()``: one that changes its input cannot change the
        image the next method explains."""
        choice = (self.kind, self.image_choice.value, self.seed.value)
        if self._subject is None or self._subject[0] != choice:
            self._subject = (choice, images.subject(*choice))
        return self._subject[1]

    def _x(self) -> torch.Tensor:
        """A fresh copy of the chosen image on the model's device, for a notebook's function."""
        return self.subject().x.clone().to(self.device)

    def _model_changed(self):
        self.image_choice.options = images.image_choices(self.kind)
        self.image_choice.value = self.image_choice.options[0]
        self.layer.options = candidate_layers(self.model)
        self.layer.value = self.layer.options[-1]
        self.sanity_layers.max = layer_count(self.model)
        self.baseline.options = BASELINE_KINDS if self.kind == "imagenet" else ("zeros",)
        self._image_changed()

    def _image_changed(self):
        if self.image_choice.value is None:
            return
        names = images.class_names(self.kind)
        top = images.top_classes(self.kind, self.subject().x, device=self.device)
        self.top5.options = [(f"{names[c]} ({p:.2f})", c) for c, p in top]
        self.top5.value = top[0][0]
        self.class_index.value = top[0][0]

    def _top5_chosen(self, change):
        if change["new"] is not None:
            self.class_index.value = change["new"]

    # ---- computing ---------------------------------------------------------------------------------------
    def _parameters(self, method) -> tuple:
        values = {"baseline": self.baseline.value, "steps": self.steps.value,
                  "samples": (self.samples.value, self.noise_std.value),
                  "background": "images.background", "draws": self.draws.value}  # the background: one per image
        return tuple(values[name] for name in method.uses)

    def _explain_parameters(self, functions: FunctionSet, method) -> Outcome:
        """The keywords of ``functions.explain`` for ``method`` on the chosen image: its baseline (an Outcome that
        says why there is none) and Expected Gradients' background (see :func:`images.background`)."""
        parameters = dict(steps=self.steps.value, samples=self.samples.value, noise_std=self.noise_std.value,
                          draws=self.draws.value)
        if "baseline" in method.uses:
            baseline = self._baseline_for(functions, self._x())
            if not baseline.ok:
                return baseline
            parameters["baseline"] = baseline.value
        if "background" in method.uses:
            parameters["background"] = images.background(self.kind, self.image_choice.value).to(self.device)
        return Outcome(parameters)

    def _baseline_for(self, functions: FunctionSet, x: torch.Tensor) -> Outcome:
        """The chosen IG baseline for ``x``: zeros, or the notebook's make_baseline (the reason when there is none)."""
        kind = self.baseline.value
        if kind == "zeros":
            return Outcome(torch.zeros_like(x))
        make_baseline = functions.given.get("make_baseline")  # no Captum stand-in
        if make_baseline is None:
            return Outcome(kind=NOT_DONE, message=f"the {kind!r} baseline needs your make_baseline (exercise "
                           f"`make_baseline` in {EXERCISE_OF['make_baseline']}); pass it to the explorer, or choose "
                           "'zeros'.")
        return call(_baseline_like, (make_baseline, x, kind), name="make_baseline", exercises=EXERCISE_OF)

    def compute(self, row: str, method_name: str) -> Outcome:
        method = METHOD_BY_NAME[method_name]
        functions = self.rows[row]
        subject, class_idx = self.subject(), self.class_index.value
        key = (row, subject.key, class_idx, method_name, self._parameters(method))

        def run() -> Outcome:
            missing = functions.missing(method)
            if missing:
                return Outcome(message=f"{method_name} needs {', '.join(missing)}: pass "
                                       + " and ".join(f"{n}= (exercise in {EXERCISE_OF[n]})" for n in missing)
                                       + " to saliency_explorer.", kind=NOT_DONE)
            parameters = self._explain_parameters(functions, method)
            if not parameters.ok:
                return parameters
            outcome = call(functions.explain, (method, self.model, self._x(), class_idx),
                           dict(parameters.value, on_step=self._step), exercises=EXERCISE_OF)
            return _on_cpu(outcome)

        return self.cache.get(key, run)

    def _step(self):
        self.progress.value = min(self.progress.value + 1, self.progress.max)

    def render(self) -> None:
        """Compute every selected method for every function set and draw them next to the input."""
        chosen = list(self.methods.value)
        if not chosen:
            self.status.value = "<b>Select at least one method.</b>"
            return
        n_classes = len(images.class_names(self.kind))
        if not 0 <= self.class_index.value < n_classes:
            self.status.value = (f"<b>class {self.class_index.value} is out of range: this model has classes 0 to "
                                 f"{n_classes - 1}.</b>")
            return
        started = time.perf_counter()
        steps_each = {m: (self.samples.value if METHOD_BY_NAME[m].smoothed else 1) for m in chosen}
        self.progress.max = max(1, sum(steps_each.values()) * len(self.rows))
        self.progress.value = 0
        self.results = {}
        for row in self.rows:
            for name in chosen:
                before = self.progress.value
                self.results[(row, name)] = self.compute(row, name)
                self.progress.value = before + steps_each[name]
        figure, undrawable = self._figure(chosen)
        self.picture.value = figure_png(figure)
        self.results.update(undrawable)
        self.render_count += 1
        messages = [f"<li><b>{row + ': ' if row else ''}{name}</b>: {o.message_with_line}</li>"
                    for (row, name), o in self.results.items() if not o.ok]
        self.status.value = (f"{len(self.results) - len(messages)} map(s) in {time.perf_counter() - started:.1f} s "
                             f"(cache: {self.cache.hits} hits)" + (f"<ul>{''.join(messages)}</ul>" if messages else ""))

    def _figure(self, chosen):
        """(the figure of the last results, {(row, method): Outcome} for results that could not be drawn)."""
        subject, undrawable = self.subject(), {}
        names = images.class_names(self.kind)
        fig, axes = plt.subplots(len(self.rows), len(chosen) + 1, figsize=(2.8 * (len(chosen) + 1), 2.9 * len(self.rows)),
                                 squeeze=False)
        for r, (row, functions) in enumerate(self.rows.items()):
            show_image(subject.x[0], axes[r, 0], f"{row + ': ' if row else ''}class {self.class_index.value}"
                       + (f" ({names[self.class_index.value][:18]})" if 0 <= self.class_index.value < len(names) else ""))
            for c, name in enumerate(chosen, 1):
                ax, outcome, method = axes[r, c], self.results[(row, name)], METHOD_BY_NAME[name]
                title = functions.label(method)
                if not outcome.ok:
                    ax.axis("off")
                    ax.set_title(title, fontsize=9)
                    ax.text(0.5, 0.5, "not implemented yet" if outcome.not_done else "error",
                            ha="center", va="center", color="firebrick", transform=ax.transAxes)
                    continue
                drawn = call(_draw_map, (method, subject.x[0], outcome.value, ax, title))
                if drawn.error is not None:  # a result of the wrong shape is a message too
                    ax.axis("off")
                    ax.set_title(title, fontsize=9)
                    undrawable[(row, name)] = Outcome(message=f"cannot draw the result: {drawn.error}", kind=ERROR)
        fig.tight_layout()
        return fig, undrawable

    def render_feature_maps(self) -> None:
        outcome = _on_cpu(call(maps_and_weights, (self.model, self._x(), self.class_index.value, self.layer.value)))
        if not outcome.ok:
            self.features_status.value = f"<b>{outcome.message_with_line}</b>"
            return
        activations, weights = outcome.value
        self.features_picture.value = figure_png(feature_map_figure(activations, weights, self.layer.value))
        self.features_status.value = (f"{activations.shape[0]} channels of {tuple(activations.shape[1:])} at "
                                      f"{self.layer.value}; {int((weights > 0).sum())} with a positive weight.")

    def render_sanity_check(self) -> None:
        """The chosen method on the trained model and with the top ``sanity_layers`` layers randomised."""
        row = next(iter(self.rows))
        functions, method = self.rows[row], METHOD_BY_NAME[self.sanity_method.value]
        subject, class_idx, n_layers = self.subject(), self.class_index.value, self.sanity_layers.value
        trained = self.compute(row, method.name)
        parameters = self._explain_parameters(functions, method)
        if not parameters.ok:
            self.sanity_status.value = f"<b>{parameters.message_with_line}</b>"
            return
        randomised = self.cache.get(("sanity", row, subject.key, class_idx, method.name, self._parameters(method),
                                     n_layers),
                                    lambda: _on_cpu(randomised_map(functions, method, self.model, self._x(),
                                                                   class_idx, n_layers, **parameters.value)))
        rho = correlation(functions, trained.value, randomised.value) if trained.ok and randomised.ok else \
            Outcome(message="", kind=NOT_DONE)
        self.sanity_result = {"trained": trained, "randomised": randomised, "rank_correlation": rho}
        self.sanity_picture.value = figure_png(sanity_figure(subject.x[0], method, functions.label(method), trained,
                                                             randomised, n_layers, rho, _squeeze))
        notes = [o.message_with_line for o in (trained, randomised, rho) if not o.ok and o.message]
        self.sanity_status.value = ("A map that explains the model changes when its learned layers are replaced "
                                    "by random ones." + (f"<ul>{''.join(f'<li>{n}</li>' for n in notes)}</ul>"
                                                         if notes else ""))

    # ---- layout ------------------------------------------------------------------------------------------
    def widget(self) -> widgets.Widget:
        picking = widgets.VBox([self.model_choice, widgets.HBox([self.image_choice, self.seed]), self.top5,
                                self.class_index])
        parameters = widgets.VBox([self.baseline, self.steps, self.samples, self.noise_std, self.draws])
        explain = widgets.VBox([widgets.HBox([picking, self.methods, parameters]),
                                widgets.HBox([self.explain_button, self.progress]), self.status, self.picture])
        features = widgets.VBox([widgets.HBox([self.layer, self.features_button]), self.features_status,
                                 self.features_picture])
        sanity = widgets.VBox([widgets.HBox([self.sanity_method, self.sanity_layers, self.sanity_button]),
                               self.sanity_status, self.sanity_picture])
        tabs = widgets.Tab(children=[explain, features, sanity])
        for index, title in enumerate(("maps", "feature maps", "sanity check")):
            tabs.set_title(index, title)
        return tabs


def _baseline_like(make_baseline, x: torch.Tensor, kind: str) -> torch.Tensor:
    """The notebook's baseline of ``kind`` for ``x``, as a tensor of ``x``'s shape and dtype."""
    return torch.as_tensor(make_baseline(x, kind)).reshape(x.shape).to(x.dtype)


def _squeeze(value):
    t = torch.as_tensor(value.detach().cpu() if isinstance(value, torch.Tensor) else value)
    while t.dim() > 2 and t.shape[0] == 1:
        t = t[0]
    return t


def _draw_map(method, image: torch.Tensor, value, ax, title: str) -> None:
    if method.kind == "heatmap":
        show_heatmap_overlay(image_for_display(image), _squeeze(value), ax, title)
    else:
        show_signed_map(_squeeze(value), ax, title, colorbar=False)


def _on_cpu(outcome: Outcome) -> Outcome:
    """The outcome with its tensors (a tensor, or a tuple of them) on the CPU, where they are drawn and compared."""
    value = outcome.value
    if isinstance(value, torch.Tensor):
        return replace(outcome, value=value.cpu())
    if isinstance(value, tuple) and any(isinstance(v, torch.Tensor) for v in value):
        return replace(outcome, value=tuple(v.cpu() if isinstance(v, torch.Tensor) else v for v in value))
    return outcome


def saliency_explorer(functions: dict | None = None, *, compare: dict | None = None, render: bool = True,
                      device=None, **named_functions) -> SaliencyExplorer:
    """Build (and display, inside Jupyter) the explorer over a notebook's functions.

    Pass functions by name (``compute_gradcam=compute_gradcam``) or as a dict;
    ``compare={"label": {...}}`` adds a row per other set of functions; ``device`` (default
    :func:`utils.device.course_device`) is where the model runs.
    """
    explorer = SaliencyExplorer({**(functions or {}), **named_functions}, compare=compare, device=device)
    if render:
        explorer.render()
    show_in_notebook(explorer.widget())
    return explorer
