"""The classic mistakes, computed by the answer key in the trusted process, so that the judge can
name the cause of a wrong answer instead of only its size.

A hidden test lists the mistakes that are likely for its function (``HiddenTest.mistakes``, by
name). When a student's result is wrong, the judge compares it with each listed mistake's result
on the same case; a match within the test's tolerance adds the mistake's ``cause`` to the message.
The values are cached with the expected ones (``expected.py``), never shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from .. import reference


@dataclass(frozen=True)
class Mistake:
    """``compute(answer, case)``: what ``answer`` (the answer-key function) returns when the mistake is made."""

    cause: str
    compute: Callable


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
}


def mistake(name: str) -> Mistake:
    try:
        return MISTAKES[name]
    except KeyError:
        raise KeyError(f"a hidden test lists the mistake {name!r}, which is not defined; define it in "
                       f"utils/instructor/judge/mistakes.py or use one of {sorted(MISTAKES)}") from None
