"""The visible checks of stage 08: ``check_deletion_curve`` and ``check_area_under_curve`` (``utils/checks``) catch the
mistakes their messages name before grading, and pass a correct solution. No answer key is involved: the
checks use closed forms on small models."""

from __future__ import annotations

import pytest
import torch

from utils import checks


def make_curve(insert=False, absolute=False, ascending=False, flip_ties=False, entries=False, rounding="floor",
               ignore_baseline=False, score="softmax", predicted=False, eval_mode=True, swap=False, sort="stable"):
    """``sort``: "stable", "torch" (torch.argsort(descending=True), no stable=True) or "quicksort" (NumPy's
    default): the last two are unstable, so tied scores come out in an order of the sort's own."""
    import math

    import numpy as np

    def curve(model, x, target, attribution, steps, baseline):
        if eval_mode:
            model.eval()
        a = torch.as_tensor(attribution, dtype=torch.float32)
        h, w = x.shape[-2:]
        if entries:
            scores = a.reshape(x.shape).flatten() if a.numel() == x.numel() else a.flatten()
        else:
            scores = a.reshape(-1, h, w).sum(0).flatten()
        if absolute:
            scores = scores.abs()
        if flip_ties:
            order = torch.argsort(scores, stable=True).flip(0)
        elif sort == "torch":
            order = torch.argsort(scores, descending=not ascending)
        elif sort == "quicksort":
            order = torch.from_numpy(np.argsort(-scores.numpy()))
        else:
            order = torch.argsort(scores, descending=not ascending, stable=True)
        n = scores.numel()
        reveal = insert != swap
        b = torch.zeros_like(x) if ignore_baseline else baseline
        with torch.no_grad():
            if predicted:
                target = int(model(x).argmax())
        images = []
        for k in range(steps + 1):
            count = {"floor": k * n // steps, "ceil": math.ceil(k * n / steps), "round": round(k * n / steps)}[rounding]
            chosen = torch.zeros(n, dtype=torch.bool)
            chosen[order[:count]] = True
            chosen = chosen.reshape(x.shape[1:] if entries else (h, w))
            images.append(torch.where(chosen, x[0], b[0]) if reveal else torch.where(chosen, b[0], x[0]))
        with torch.no_grad():
            logits = model(torch.stack(images))
        values = {"softmax": logits.softmax(1)[:, target], "sigmoid": torch.sigmoid(logits[:, target]),
                  "logit": logits[:, target]}[score]
        return values.numpy()

    return curve


@pytest.mark.parametrize("insert", [False, True], ids=["deletion", "insertion"])
def test_the_curve_checks_pass_correct_solutions(insert):
    checks.check_deletion_curve(make_curve(insert=insert), insert=insert)


@pytest.mark.parametrize("insert", [False, True], ids=["deletion", "insertion"])
@pytest.mark.parametrize("mistake, message", [
    (dict(absolute=True), "orders the pixels by \\|score\\|"),
    (dict(ascending=True), "takes the lowest score first"),
    (dict(flip_ties=True), "equal scores keep their row-major order"),
    (dict(entries=True), "changes single entries"),
    (dict(rounding="ceil"), "rounds n_k up"),
    (dict(rounding="round"), "rounds n_k to the nearest integer"),
    (dict(ignore_baseline=True), "take the changed pixels' values from `baseline`"),
    (dict(score="sigmoid"), "sigmoid of the target's logit"),
    (dict(score="logit"), "holds logits"),
    (dict(predicted=True), "follows the class the model predicts"),
    (dict(eval_mode=False), "Call model.eval\\(\\)"),
    (dict(swap=True), "is the other curve"),
    (dict(sort="torch"), "without stable=True"),
    (dict(sort="quicksort"), "NumPy's default sort"),
], ids=["|attribution|", "ascending", "ties reversed", "entries not pixels", "ceil", "round", "baseline ignored",
        "sigmoid", "logits", "predicted class", "train mode", "swapped", "unstable torch sort", "NumPy quicksort"])
def test_curve_mistakes_fail(mistake, message, insert):
    with pytest.raises(AssertionError, match=message):
        checks.check_deletion_curve(make_curve(insert=insert, **mistake), insert=insert)


def make_area(rule="trapezoid", flatten=True, lists=True):
    import numpy as np

    def area_under_curve(curve):
        values = torch.as_tensor(np.asarray(curve), dtype=torch.float64) if lists else curve.detach().double()
        values = values.flatten() if flatten else values
        k = len(values)
        if rule == "mean":
            return float(values.mean())
        if rule == "dx1":
            return float(torch.trapezoid(values))
        if rule == "left":
            return float(values[:-1].sum() / (k - 1))
        return float(torch.trapezoid(values, dx=1.0 / (k - 1)))

    return area_under_curve


def test_the_area_check_passes_correct_solutions():
    import numpy as np

    checks.check_area_under_curve(make_area())
    checks.check_area_under_curve(lambda c: float(np.trapezoid(np.ravel(c), dx=1 / (np.asarray(c).size - 1))))


@pytest.mark.parametrize("mistake, message", [
    (make_area(rule="mean"), "mean of the points"),
    (make_area(rule="dx1"), "spacing 1 \\(the default dx\\)"),
    (make_area(rule="left"), "Riemann sum"),
    (make_area(flatten=False), "len\\(\\) of a \\(1, K\\) curve is 1"),
    (make_area(lists=False), "accept tensors, NumPy arrays and lists"),
], ids=["mean", "dx = 1", "left Riemann", "(1, K) not flattened", "lists refused"])
def test_area_mistakes_fail(mistake, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_area_under_curve(mistake)
