"""Stage 08, faithfulness (Petsiuk et al. 2018): deletion and insertion curves and the area under them.

Pixels are ordered by their score (the sum of the attribution over channels), highest first, ties in
row-major order; after step k of ``steps`` the first n_k = ⌊k·P/steps⌋ of the P pixels are replaced by
the baseline's (deletion) or revealed from x (insertion), and the curve holds the softmax probability of
the target at each of the steps + 1 images, computed in eval mode. The area is the trapezoid rule over
[0, 1] with spacing 1/(K − 1) for K points.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from utils.device import own_random_state
from utils.properties import as_float_tensor, relative_l2

from .likely_mistake import _likely_mistake
from .result_form import check_scalar
from .running import copy_eval, copy_state, run_exercise


# --- deletion and insertion on a network whose every curve can be written down --------------------

class _FaithfulnessNet(nn.Module):
    """BatchNorm2d(2) → flatten → Linear(8, 3) on (N, 2, 2, 2) inputs, batch-norm statistics far from 0 and 1."""

    def __init__(self):
        super().__init__()
        with own_random_state():
            self.bn, self.fc = nn.BatchNorm2d(2), nn.Linear(8, 3)
        generator = torch.Generator().manual_seed(44)
        with torch.no_grad():
            self.fc.weight.copy_(2 * torch.randn(3, 8, generator=generator))
            self.fc.bias.copy_(torch.randn(3, generator=generator))
            self.bn.running_mean.copy_(torch.tensor([0.3, -0.2]))
            self.bn.running_var.copy_(torch.tensor([0.5, 2.0]))
            self.bn.weight.copy_(torch.tensor([1.5, 0.7]))
            self.bn.bias.copy_(torch.tensor([0.1, -0.3]))

    def forward(self, x):
        return self.fc(self.bn(x).flatten(1))


def faithfulness_case():
    """(model, x, target, attribution, steps, baseline) of :func:`check_deletion_curve`.

    The attribution (1, 2, 2, 2) has the pixel scores (channel sums) 1, −3, 2, 1 in row-major order, so the
    order, highest first with ties in row-major order, is pixels 2, 0, 3, 1; its entries, its |scores|
    and an ascending sort all give other orders. With steps = 3 and P = 4 pixels, n_k = ⌊4k/3⌋ = 0, 1, 2, 4.
    The target is not the class the model predicts for x, and the baseline is not zero.
    """
    attribution = torch.tensor([[[[2.0, -1.0], [0.5, 0.25]], [[-1.0, -2.0], [1.5, 0.75]]]])
    x = torch.tensor([[[[0.9, -0.4], [0.7, 1.2]], [[-0.8, 0.6], [1.1, -0.3]]]])
    baseline = torch.tensor([[[[0.2, 0.5], [-0.3, 0.1]], [[0.4, -0.6], [0.3, 0.2]]]])
    model = _FaithfulnessNet()
    with torch.no_grad():
        ranking = model.eval()(x)[0].argsort(descending=True)
    return model, x, int(ranking[1]), attribution, 3, baseline


def _curve_by_rule(model, x, baseline, target, order, counts, insert, entries=False, score="softmax",
                   use_baseline=True):
    """The curve of a given pixel (or entry) order and counts, computed on a copy of ``model`` in eval mode."""
    import copy

    twin = copy.deepcopy(model).eval()
    b = baseline if use_baseline else torch.zeros_like(x)
    shape = x.shape[1:] if entries else x.shape[2:]
    images = []
    for n in counts:
        mask = torch.zeros(int(np.prod(shape)), dtype=torch.bool)
        mask[list(order[:n])] = True
        mask = mask.reshape(shape)
        images.append(torch.where(mask, x[0], b[0]) if insert else torch.where(mask, b[0], x[0]))
    with torch.no_grad():
        logits = twin(torch.stack(images))
    if score == "softmax":
        return logits.softmax(dim=1)[:, target]
    if score == "sigmoid":
        return torch.sigmoid(logits[:, target])
    return logits[:, target]


def check_deletion_curve(function, name: str = "deletion_curve", insert: bool = False) -> None:
    """``function(model, x, target, attribution, 3, baseline)`` on :func:`faithfulness_case`, the model handed
    over in train mode, the attribution given as (1, C, H, W), (C, H, W) NumPy and one-channel (1, 1, H, W).

    Names the mistake when the pixels are ordered by |score|, lowest first, or with ties reversed; when single
    entries are changed instead of whole pixels; when n_k is rounded up or to the nearest; when the baseline
    is ignored (zeros used); when the curve holds sigmoids or logits, or explains the predicted class; when
    the model ran in train mode; when deletion and insertion are swapped; and, on :func:`tied_scores_case`,
    when tied pixels leave row-major order (an unstable sort).
    """
    model, x, target, attribution, steps, baseline = faithfulness_case()
    order, floor = [2, 0, 3, 1], [0, 1, 2, 4]
    rule = lambda **kw: _curve_by_rule(model, x, baseline, kw.pop("target", target), kw.pop("order", order),  # noqa: E731
                                       kw.pop("counts", floor), kw.pop("insert", insert), **kw)
    expected = rule()
    with torch.no_grad():
        predicted = int(copy_eval(model)(x).argmax())
    entry_order = torch.argsort(attribution.flatten(), descending=True, stable=True).tolist()
    candidates = {
        "absolute": (rule(order=[1, 2, 0, 3]), "orders the pixels by |score|: order by the signed sum over channels "
                     "(evidence against the class comes last)."),
        "ascending": (rule(order=[1, 0, 3, 2]), "takes the lowest score first: order from the highest score down."),
        "ties": (rule(order=[2, 3, 0, 1]), "puts tied pixels in reverse row-major order (an ascending sort "
                 "flipped?): equal scores keep their row-major order (a stable sort, descending)."),
        "entries": (rule(order=entry_order, counts=[0, 2, 5, 8], entries=True), "changes single entries (one "
                    "channel of a pixel at a time): score each pixel by the sum over its channels and change all "
                    "channels of a pixel together."),
        "ceil": (rule(counts=[0, 2, 3, 4]), "rounds n_k up: n_k = ⌊k·P/steps⌋ (floor, k·P // steps)."),
        "round": (rule(counts=[0, 1, 3, 4]), "rounds n_k to the nearest integer: n_k = ⌊k·P/steps⌋ (floor)."),
        "baseline": (rule(use_baseline=False), "uses zeros where the baseline's values belong (x * mask?): take "
                     "the changed pixels' values from `baseline`."),
        "sigmoid": (rule(score="sigmoid"), "holds the sigmoid of the target's logit: return the softmax "
                    "probability over all classes."),
        "logit": (rule(score="logit"), "holds logits: return the softmax probability of the target."),
        "predicted": (rule(target=predicted), "follows the class the model predicts: use `target`."),
        "swapped": (rule(insert=not insert), "is the other curve: " + (
            "insertion starts from the baseline and reveals x's pixels." if insert else
            "deletion starts from x and replaces its pixels by the baseline's.")),
    }
    what = "insertion" if insert else "deletion"
    for given, form in ((attribution, "(1, 2, 2, 2) tensor"), (attribution[0].numpy(), "(2, 2, 2) NumPy array"),
                        (attribution.sum(1, keepdim=True), "one-channel (1, 1, 2, 2) map, as Grad-CAM's")):
        state = copy_state(model)
        model.train()
        x_given, b_given = x.clone(), baseline.clone()
        value = run_exercise(function, model, x_given, target, given, steps, b_given)
        if not (torch.equal(x_given, x) and torch.equal(b_given, baseline)):
            raise AssertionError(f"{name} changed x or the baseline in place; build new images instead.")
        if not all(torch.equal(v, model.state_dict()[k]) for k, v in state.items()):
            raise AssertionError(f"{name} changed the model's batch-norm statistics: it ran in train mode. Call "
                                 "model.eval() before the forward pass (the model may come in train mode).")
        curve = as_float_tensor(value, (1, steps + 1), name).reshape(-1)
        if not torch.isfinite(curve).all():
            raise AssertionError(f"{name} returned NaN or infinite values.")
        if relative_l2(curve, expected) < 1e-5:
            continue
        cause = _likely_mistake(curve, {k: (v.to(torch.float64), m) for k, v, m in
                                        ((k, *c) for k, c in candidates.items())})
        raise AssertionError(
            f"{name} on a small network (batch norm, then linear; 3 classes; handed over in train mode) with a signed "
            f"two-channel attribution given as a {form}, whose pixel scores are 1, -3, 2, 1 (row-major), a non-zero "
            f"baseline and steps=3: expected the {what} curve {[round(v, 4) for v in expected.tolist()]} (pixels "
            f"changed in the order 2, 0, 3, 1, n_k = 0, 1, 2, 4), got {[round(v, 4) for v in curve.tolist()]}. It "
            + (cause or "differs; check the order, n_k, the baseline and the softmax."))
    _check_tied_scores(function, name, insert)


# --- many tied scores: a stable sort or not --------------------------------------------------------

def tied_scores_case():
    """(model, x, target, attribution, steps, baseline) with 8×8 = 64 pixels of which 48 score exactly 0.

    Flatten → Linear(64, 3) with its own weight for every pixel, so the curve depends on *which* of the tied
    pixels change first. The attribution (1, 1, 8, 8) is 0 outside its central 4×4 block, whose 16 scores are
    distinct and of both signs (like Gradient×Input on a digit's background); steps = 8, so n_k = 8k and the
    block of zeros spans several steps. 4 pixels (the case above) are too few for the sorts to differ:
    torch.argsort without stable=True and NumPy's default quicksort keep ties in order there, not here.
    """
    generator = torch.Generator().manual_seed(45)
    with own_random_state():
        model = nn.Sequential(nn.Flatten(), nn.Linear(64, 3))
    with torch.no_grad():
        model[1].weight.copy_(3 * torch.randn(3, 64, generator=generator))
        model[1].bias.copy_(torch.randn(3, generator=generator))
    x = torch.rand(1, 1, 8, 8, generator=generator)
    baseline = -torch.rand(1, 1, 8, 8, generator=generator)
    attribution = torch.zeros(1, 1, 8, 8)
    attribution[0, 0, 2:6, 2:6] = (torch.arange(16.0) - 5.5)[torch.randperm(16, generator=generator)].reshape(4, 4)
    return model, x, 1, attribution, 8, baseline


def _check_tied_scores(function, name: str, insert: bool) -> None:
    """The curve of :func:`tied_scores_case` with ties in row-major order; names an unstable sort."""
    model, x, target, attribution, steps, baseline = tied_scores_case()
    scores = attribution.flatten()
    counts = (torch.arange(steps + 1) * scores.numel() // steps).tolist()
    curve_of = lambda order: _curve_by_rule(model, x, baseline, target, order.tolist(), counts, insert)  # noqa: E731
    expected = curve_of(torch.argsort(scores, descending=True, stable=True))
    value = run_exercise(function, model, x.clone(), target, attribution.clone(), steps, baseline.clone())
    curve = as_float_tensor(value, (1, steps + 1), name).reshape(-1)
    if relative_l2(curve, expected) < 1e-5:
        return
    unstable = "sorts without keeping ties in row-major order: "
    stable = ("use a stable sort, torch.argsort(scores, descending=True, stable=True) or np.argsort(-scores, "
              "kind='stable'), so that equal scores keep their row-major order.")
    candidates = {}
    for dtype in (torch.float32, torch.float64):
        tied = scores.to(dtype)
        candidates[f"torch {dtype}"] = (curve_of(torch.argsort(tied, descending=True)),
                                        unstable + "torch.argsort(descending=True) without stable=True? " + stable)
        candidates[f"quicksort {dtype}"] = (curve_of(torch.from_numpy(np.argsort(-tied.numpy()))),
                                            unstable + "NumPy's default sort (quicksort)? " + stable)
    cause = _likely_mistake(curve, {k: (v.to(torch.float64), m) for k, (v, m) in candidates.items()})
    raise AssertionError(
        f"{name} on a linear network over 8x8 pixels with a map that is 0 at 48 of its 64 pixels (tied scores, as "
        f"on a digit's background) and steps=8: expected the {'insertion' if insert else 'deletion'} curve "
        f"{[round(v, 4) for v in expected.tolist()]}, got {[round(v, 4) for v in curve.tolist()]}. It "
        + (cause or "differs here although it was right on the map without many ties: the tied pixels change in "
           "another order than row-major; " + stable))


# --- the area under a curve ------------------------------------------------------------------------

def check_area_under_curve(function, name: str = "area_under_curve") -> None:
    """Trapezoid areas over [0, 1] worked out by hand, for a tensor, a (1, K) tensor, a list, an array, K = 2."""
    cases = [(torch.tensor([1.0, 0.5, 0.0]), "the tensor [1, 0.5, 0]", 0.5, "a straight line from 1 to 0"),
             (torch.tensor([0.0, 1.0, 1.0, 1.0, 1.0]), "the tensor [0, 1, 1, 1, 1]", 0.875,
              "(0 + 1)/2 · 1/4 + 3 · 1/4"),
             (torch.tensor([[0.0, 1.0, 1.0, 1.0, 1.0]]), "the (1, 5) tensor [[0, 1, 1, 1, 1]]", 0.875,
              "(0 + 1)/2 · 1/4 + 3 · 1/4"),
             ([0.2, 0.6], "the list [0.2, 0.6] (K = 2)", 0.4, "(0.2 + 0.6)/2 · 1"),
             (np.array([1.0, 0.0, 0.0, 0.0]), "the NumPy array [1, 0, 0, 0]", 1 / 6, "(1 + 0)/2 · 1/3")]
    for curve, what, area, why in cases:
        try:
            got = check_scalar(run_exercise(function, curve), name)
        except ZeroDivisionError:
            raise AssertionError(f"{name}({what}) divided by zero: len() of a (1, K) curve is 1; flatten the curve "
                                 "first and use K = its number of values.") from None
        except (TypeError, AttributeError) as error:
            raise AssertionError(f"{name}({what}) failed ({type(error).__name__}: {error}): accept tensors, NumPy "
                                 "arrays and lists (convert with torch.as_tensor(np.asarray(curve))).") from None
        if abs(got - area) < 1e-9:
            continue
        values = np.asarray(curve, dtype=float).reshape(-1)
        k = len(values)
        cause = "use the trapezoid rule with the points spaced 1/(K - 1) over [0, 1]."
        if abs(got - values.mean()) < 1e-9:
            cause = "that is the mean of the points, not the trapezoid rule with spacing 1/(K - 1)."
        elif abs(got - area * (k - 1)) < 1e-9:
            cause = "that is the area with spacing 1 (the default dx): pass dx = 1 / (K - 1)."
        elif abs(got - values[:-1].sum() / (k - 1)) < 1e-9 or abs(got - values[1:].sum() / (k - 1)) < 1e-9:
            cause = "that is a Riemann sum (rectangles); the trapezoid rule averages each pair of neighbours."
        raise AssertionError(f"{name}({what}) returned {got}, expected {area:.6g} = {why}: {cause}")
