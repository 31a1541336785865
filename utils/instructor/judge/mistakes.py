"""The classic mistakes, each with one stable id, so that the judge can name the cause of a wrong
answer instead of only its size, and the class report can count who made it.

Two kinds:

- **computed** (``compute`` given): the answer key makes the mistake in the trusted process. A
  hidden test lists the ones likely for its function (``HiddenTest.mistakes``); when a student's
  result is wrong, the judge compares it with each listed mistake's result on the same case, and a
  match within the test's tolerance names the cause. The values are cached with the expected ones
  (``expected.py``), never shown.
- **recognised** (no ``compute``): a rule of ``rules/`` (or the call watcher's note) sees the
  mistake in the answer itself: a flipped sign, a scale, noise reused, hooks left behind.

The ids are a contract: the class report's ``mistakes.csv`` and older grading runs use them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from .. import reference
from ..reference._cam_base import class_activation_map
from ..reference.gradcam import gradcam_weights
from ..reference.hirescam import hirescam_weights
from ..reference.layercam import layercam_weights


@dataclass(frozen=True)
class Mistake:
    """``cause``: the sentence the student reads; ``compute(answer, case)``: what ``answer`` (the answer-key
    function) returns when the mistake is made, or None for a mistake a rule recognises by itself."""

    cause: str
    compute: Callable | None = None


class Softmaxed(nn.Module):
    """The model with a softmax on top: its "logits" are the class probabilities."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x).softmax(dim=1)


def _of_probability(answer, case):
    """The method applied to p_c = softmax(F(x))_c instead of the logit F_c(x)."""
    model, *rest = case.args
    return answer(Softmaxed(model), *rest, **case.kwargs)


def _with(**options):
    """The answer key with one option changed (``relu=False``, ``rule="left"``, ``baseline=None``)."""
    def compute(answer, case):
        return answer(*case.args, **{**case.kwargs, **options})

    return compute


def _mean_of_points(answer, case):
    """IG with the plain mean of the S + 1 path gradients instead of the trapezoid weights.

        (x − x′) · 1/(S+1) Σ_{k=0..S} ∇F(x′ + k/S (x − x′))
          = (S · IG_left + (x − x′) · ∇F(x)) / (S + 1)

    with IG_left the left Riemann sum over k = 0..S−1 (weights 1/S).
    """
    model, x, target = case.args[:3]
    steps = case.kwargs.get("steps", 50)
    baseline = case.kwargs.get("baseline")
    difference = x - (torch.zeros_like(x) if baseline is None else baseline)
    left = answer(*case.args, **{**case.kwargs, "rule": "left"})
    return (steps * left + difference * reference.vanilla_gradients(model, x, target)) / (steps + 1)


def _cam_weighted_by(weighting):
    """A CAM-family answer made with another channel weighting (``weighting(A, ∂y_c/∂A, targets)``), raw or not
    as the case asks (stage 09's ``raw=True``)."""
    def compute(_answer, case):
        model, x, target, *layer = case.args
        raw = case.kwargs.get("raw", False)
        return class_activation_map(model, x, target, layer[0] if layer else None, weighting,
                                    relu=not raw, normalise=not raw)

    return compute


def _xgradcam_one_normaliser(activations, gradients, _targets):
    """α_k = (1/H'W') Σ_ij A^k_ij ∂y_c/∂A^k_ij: one normaliser for every channel (the number of positions here; the
    layer's sum, or none, differ from it by a factor per image, which min-max scaling removes)."""
    return (activations * gradients).mean(dim=(2, 3))


MISTAKES: dict[str, Mistake] = {
    "probability": Mistake(
        "It looks like the gradient of the softmax probability, not of the logit: differentiate the raw score "
        "model(x)[0, target] (no softmax).", _of_probability),
    "no_relu": Mistake(
        "It is the expected map without the ReLU: apply torch.relu to the weighted sum of the feature maps before "
        "normalising (min-max scaling alone also lands in [0, 1], but keeps the negative evidence).", _with(relu=False)),
    "left_riemann": Mistake(
        "It matches a left Riemann sum (the points k/S for k = 0..S-1, each weighted 1/S): use the trapezoid rule "
        "over the S + 1 points k = 0..S, with the two end weights halved.", _with(rule="left")),
    "mean_of_points": Mistake(
        "It matches the plain mean of the gradients at the S + 1 points: the trapezoid weights are 1/S, halved at "
        "both ends (they sum to 1; a mean over S + 1 points weights the ends too much).", _mean_of_points),
    "zero_baseline": Mistake(
        "It matches Integrated Gradients from a zero baseline: the `baseline` argument was ignored; use it (zeros "
        "only when it is None).", _with(baseline=None)),
    "gradient_mean": Mistake(
        "It matches Grad-CAM: the gradient was averaged over the positions before weighting. Keep it at every "
        "position: multiply ∂y_c/∂A and A elementwise, then sum over the channels.",
        _cam_weighted_by(gradcam_weights)),
    "relu_on_gradient": Mistake(
        "It matches LayerCAM: a ReLU was applied to the gradient. HiResCAM keeps the gradient's sign; the only ReLU "
        "comes after the sum over the channels.", _cam_weighted_by(layercam_weights)),
    "no_gradient_relu": Mistake(
        "It matches HiResCAM: LayerCAM keeps only the positive gradients, ReLU(∂y_c/∂A), before multiplying by A.",
        _cam_weighted_by(hirescam_weights)),
    "xgradcam_normaliser": Mistake(
        "It divides every channel by the same number (the number of positions, the whole layer's sum, or nothing): "
        "XGrad-CAM divides A^k_ij by channel k's own sum Σ_ij A^k_ij (sum over the positions only, one sum per "
        "channel).", _cam_weighted_by(_xgradcam_one_normaliser)),
    "raw_ignored": Mistake(
        "With raw=True return the weighted sum itself, before the ReLU and the min-max scaling.",
        _with(raw=False)),
    # Recognised by the rules in rules/ and by the call watcher (utils.calling.watch).
    "opposite_sign": Mistake("It is the expected result with the opposite sign."),
    "absolute_value": Mistake("It is the absolute value of the expected result: keep the sign."),
    "wrong_scale": Mistake("The pattern is right and the scale is not (check the weights, the averaging and any "
                           "factor)."),
    "macs_not_flops": Mistake("It is twice the expected value: count multiply-accumulates, not FLOPs (2 per MAC)."),
    "backward_as_one_pass": Mistake("It counts a backward pass as one forward pass; by the convention it costs two."),
    "path_points_s": Mistake("It counts S path points; the trapezoid rule evaluates S + 1 (both ends)."),
    "cam_backward": Mistake("CAM needs one forward pass and no backward pass."),
    "gap_sign": Mistake("It has the opposite sign: the gap is the sum minus the change, not the change minus the "
                        "sum."),
    "noise_reused": Mistake("Two samples got the same noise. Draw fresh noise for every sample (inside the loop, "
                            "without re-seeding the generator each time)."),
    "noise_std": Mistake("The noise's standard deviation is not noise_std (use noise_std * torch.randn_like(x): "
                         "noise_std is a standard deviation)."),
    "not_plain_mean": Mistake("The result is not the plain mean of what explain returned (divide the sum by "
                              "n_samples)."),
    "noise_not_uniform": Mistake("The noise baseline is not spread uniformly over [-1, 1] (torch.rand gives [0, 1), "
                                 "torch.randn a normal draw)."),
    "noise_unseeded": Mistake("Two calls for inputs of the same shape gave different noise. Seed the generator (the "
                              "same seed on every call), and draw the noise from the shape alone, not from x's "
                              "values."),
    "negative_zero_slice": Mistake("With n_layers=0 the copy must equal the original (careful: layers[-0:] is the "
                                   "whole list, not an empty one)."),
    "randomized_from_input": Mistake("The cascade randomises from the top: the LAST n_layers parameterised layers in "
                                     "model.modules() order, nearest the output, not the ones nearest the input."),
    "layer_count": Mistake("Count every module that owns parameters directly (Conv2d, Linear and batch norm alike: "
                           "next(m.parameters(recurse=False), None) is not None), each once."),
    "logit_not_probability": Mistake("The curve holds the softmax PROBABILITY of the target class after each step, "
                                     "not its logit."),
    "pixel_order": Mistake("Change the pixels in order of the attribution summed over channels, HIGHEST first, "
                           "equal scores in row-major order (a stable sort: torch.argsort(scores, descending=True, "
                           "stable=True) or np.argsort(-scores, kind='stable'); without it, tied pixels such as a "
                           "background of zeros come out in an order of the sort's own), the first ⌊k·P/steps⌋ "
                           "pixels after step k, all channels of a pixel together."),
    "eg_completeness": Mistake(
        "Expected Gradients adds up, on average, to F(x) − mean F(x′): draw each α from U(0, 1), take the gradient "
        "at x′ + α(x − x′) (not at x or x′) and multiply it by x − x′ for that sample's own baseline x′."),
    "eg_not_expectation": Mistake(
        "Average (x − x′) ⊙ ∇F(x′ + α(x − x′)) over n_samples draws, each with its own baseline x′ drawn from "
        "background (with replacement) and its own α ~ U(0, 1); one baseline for all samples, or their mean, is not "
        "Expected Gradients."),
    "eg_generator_ignored": Mistake(
        "Draw the baselines' indices and the α's from the `generator` argument (torch.randint(..., "
        "generator=generator), torch.rand(..., generator=generator)) so that a seeded generator repeats a call."),
    "eg_not_fresh": Mistake(
        "Without a generator each call must draw afresh: do not seed torch's generator inside the function."),
    "captum_not_used": Mistake("This exercise asks you to call captum.attr.IntegratedGradients."),
    "hook_left": Mistake("Remove every hook you register (handle.remove()), ideally in a `finally:` block."),
    "model_changed": Mistake("Explanations must not modify the model (batch-norm statistics change when the model "
                             "runs in train mode: call model.eval())."),
    "input_modified": Mistake("Explanations must not modify their input tensor in place; work on a copy "
                              "(x = input_tensor.clone().detach())."),
}


def mistake(name: str) -> Mistake:
    try:
        return MISTAKES[name]
    except KeyError:
        raise KeyError(f"the mistake {name!r} is not defined; define it in utils/instructor/judge/mistakes.py or "
                       f"use one of {sorted(MISTAKES)}") from None


def computed(name: str) -> Mistake:
    """The mistake ``name``, which a hidden test lists: one the answer key can make (``compute`` given)."""
    found = mistake(name)
    if found.compute is None:
        raise ValueError(f"a hidden test lists the mistake {name!r}, which the rules recognise by themselves; list "
                         f"only mistakes the answer key computes: {sorted(k for k, m in MISTAKES.items() if m.compute)}")
    return found


class Failure(AssertionError):
    """A test case failed: the message for the student, the outcome (``record/verdict.OUTCOMES``) and the
    classic mistake recognised, if any. Raised by the rules; a plain AssertionError counts as "wrong"."""

    def __init__(self, message: str, outcome: str = "wrong", mistake: str | None = None):
        super().__init__(message)
        if mistake is not None and mistake not in MISTAKES:  # a typo in a rule fails loudly, here
            raise KeyError(f"a rule names the mistake {mistake!r}, which is not defined in mistakes.py")
        self.outcome, self.mistake = outcome, mistake
