"""How the judge compares a record with the expected values, one rule per kind of answer.

Lenient on form (a NumPy array or a tensor, with or without the leading batch
dimension of 1, any float dtype), strict on values. Every failure is an
``AssertionError`` whose message is written for the student: what was computed
(``what``), how far off the answer was, and the likely cause where it is clear
(a classic mistake of ``mistakes.py`` that the answer matches, a flipped sign, a
scale); never the expected numbers. A failure that names a classic mistake, or that is
not simply a wrong answer (a stub, an error), is a ``Failure`` carrying the mistake's id
and the outcome, for the class report.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from utils.properties import (SAME_NOISE_CORRELATION, as_float_tensor, check_blur_baseline,
                              largest_noise_correlation, relative_l2)

from .mistakes import Failure, mistake


def _value(name: str, record: dict, arrays: dict, key: str):
    """The returned value as a tensor or number; a clear failure when the call gave none."""
    kind = record.get("kind")
    if kind in ("stub", "error"):
        raise Failure(str(record.get("message", f"{name} raised an error.")), outcome=kind)
    if kind == "none":
        raise AssertionError(f"{name} returned None: did you forget the `return` statement?")
    if kind == "badtype":
        raise AssertionError(f"{name} returned a {record.get('type', 'value')}; return a torch.Tensor or a NumPy "
                             "array (or the number or dict the exercise asks for).")
    if key not in arrays:
        raise AssertionError(f"{name}: the hidden test recorded no value (the record is incomplete).")
    array = arrays[key]
    if kind in ("integer", "number"):
        return array.item() if array.shape == () else None
    return torch.from_numpy(np.array(array, dtype=np.float64))


def close(name, what, record, arrays, key, facts, expected, rtol):
    value = _value(name, record, arrays, key)
    wanted = torch.from_numpy(expected["value"])
    actual = as_float_tensor(value if isinstance(value, torch.Tensor) else np.asarray(value, dtype=float),
                             tuple(wanted.shape), name)
    if not torch.isfinite(actual).all():
        raise AssertionError(f"{name} {what}: the result holds NaN or infinite values; check for a division by zero.")
    error = relative_l2(actual, wanted)
    if not error <= rtol:
        found, why = None, ""
        matched = [entry.removeprefix("mistake:") for entry, signature in expected.items()
                   if entry.startswith("mistake:") and signature.shape == tuple(wanted.shape)
                   and relative_l2(actual, torch.from_numpy(signature)) <= rtol]
        if matched:
            found = matched[0]
        elif relative_l2(-actual, wanted) <= rtol:
            found = "opposite_sign"
        elif relative_l2(actual, wanted.abs()) <= rtol:
            found = "absolute_value"
        elif wanted.abs().sum() > 0 and actual.abs().sum() > 0:
            ratio = ((actual * wanted).sum() / (wanted * wanted).sum()).item()
            if ratio != 0 and relative_l2(actual, ratio * wanted) <= rtol:
                found = "wrong_scale"
                why = f" It is the expected result times {ratio:.4g}: {_lower_first(mistake(found).cause)}"
        if found and not why:
            why = " " + mistake(found).cause
        raise Failure(f"{name} {what}: the result differs from the expected one by {error:.2%} "
                      f"(relative L2 error; at most {rtol:.2%} is accepted).{why}", mistake=found)


def exact(name, what, record, arrays, key, facts, expected, rtol):
    value = _value(name, record, arrays, key)
    if record.get("kind") != "integer":
        raise AssertionError(f"{name} {what}: returned a {record.get('kind', 'value')}, not an int; return the "
                             "count as an int.")
    if value != facts["value"]:
        wanted = facts["value"]
        if value == 2 * wanted:
            raise Failure(f"{name} {what}: returned {value!r}, which is not the expected value. "
                          + mistake("macs_not_flops").cause, mistake="macs_not_flops")
        if value < wanted:
            why = (" It is too small: are Linear layers counted, and a module that runs twice counted twice (the hook "
                   "fires on every call)?")
        else:
            why = (" It is too large: are grouped convolutions divided by `groups`, and each layer's own output size "
                   "used (not the input's)?")
        raise AssertionError(f"{name} {what}: returned {value!r}, which is not the expected value.{why}")


def dictionary(name, what, record, arrays, key, facts, expected, rtol):
    if record.get("kind") not in ("dict", "stub", "error", "none"):
        raise AssertionError(f"{name} returned a {record.get('type', record.get('kind'))}; return a dict.")
    _value(name, record, arrays, key)
    got = dict(zip(record["keys"], arrays[key].tolist()))
    missing, extra = set(facts["value"]) - set(got), set(got) - set(facts["value"])
    if missing or extra:
        raise AssertionError(f"{name}: missing keys {sorted(missing)}, unexpected keys {sorted(extra)}.")
    for method, value in facts["value"].items():
        if got[method] != value:
            found = None
            if got[method] * 3 == value * 2 and method != "CAM":
                found = "backward_as_one_pass"
            elif "IG" in method or "Integrated" in method:
                per_point = value / (facts["value"]["Integrated Gradients"] // 3)  # 3 per path point (or 3N)
                if got[method] == value - per_point:
                    found = "path_points_s"
            elif method == "CAM":
                found = "cam_backward"
            why = f" {mistake(found).cause}" if found else ""
            raise Failure(f"{name} for {method!r} {what}: returned {got[method]:g}, which is not the "
                          f"expected value.{why}", mistake=found)


def raises(name, what, record, arrays, key, facts, expected, rtol):
    kind = record.get("kind")
    if kind == "stub":
        raise Failure(str(record["message"]), outcome="stub")
    if kind == "error" and record.get("value_error"):
        return
    if kind == "error":
        raise Failure(f"{name} {what}: {record['message']}; an unknown kind should raise a ValueError.",
                      outcome="error")
    raise AssertionError(f"{name} {what} returned a value; an unknown kind should raise a ValueError that lists "
                         "the five kinds.")


def gap(name, what, record, arrays, key, facts, expected, rtol):
    value = _value(name, record, arrays, key)
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise AssertionError(f"{name} returned an array of shape {tuple(value.shape)}; return one float.")
        value = value.item()
    if not (isinstance(value, float) or isinstance(value, int)) or not math.isfinite(value):
        raise AssertionError(f"{name} {what}: returned {value!r}; return one finite float.")
    if not abs(value - facts["value"]) <= rtol * max(1.0, facts["scale"]):
        flipped = abs(value + facts["value"]) <= rtol * max(1.0, facts["scale"])
        raise Failure(f"{name} {what}: the value is not the expected gap (sum of the attributions minus the "
                      "change of the target logit from the baseline to the input)."
                      + (f" {mistake('gap_sign').cause}" if flipped else ""), mistake="gap_sign" if flipped else None)


def smoothgrad(name, what, record, arrays, key, facts, expected, rtol):
    value = _value(name, record, arrays, key)
    shape = tuple(facts["shape"])
    actual = as_float_tensor(value, shape, name)
    if facts["scale"] is None:
        wanted = torch.from_numpy(expected["value"]).reshape(shape)
        if not relative_l2(actual, wanted) <= 1e-5:
            raise AssertionError(f"{name} {what}: the result is not the explanation of x itself.")
        return
    calls = record.get("calls") or {}
    n, std = facts["n_samples"], facts["noise_std"]
    if calls.get("count") != n:
        raise AssertionError(f"{name} {what}: explain was called {calls.get('count')} times instead of n_samples.")
    if not calls.get("model_passed_on") or any(c != facts["class_idx"] for c in calls.get("classes", [])):
        raise AssertionError(f"{name} {what}: pass the model and class_idx on to explain unchanged.")
    noisy = torch.from_numpy(np.array(arrays[f"{key}_noisy"], dtype=np.float64))
    if tuple(noisy.shape) != (n, int(np.prod(shape))):
        raise AssertionError(f"{name} {what}: explain was given inputs of another shape than x.")
    noise = noisy - torch.from_numpy(expected["x"])
    spread = noise.std().item()
    if std == 0:
        if spread != 0:
            raise AssertionError(f"{name} {what}: with noise_std=0 the copies must equal the input.")
    else:
        if n > 1:  # first: one draw reused also skews the spread and mean tests, which then name the wrong cause
            _independent(name, what, noise)
        # Five standard errors of the estimates from n draws (std: σ/√(2n), mean: σ/√n): a correct draw
        # fails with odds below 1e-6 even on the visible test's 7 × 64 values, while the variance in place
        # of the standard deviation is off by 50 % or more at the σ the tests use.
        n_values = noise.numel()
        if not abs(spread - std) <= 5 * std / math.sqrt(2 * n_values):
            raise Failure(f"{name} {what}: {_lower_first(mistake('noise_std').cause)}", mistake="noise_std")
        if not abs(noise.mean().item()) <= 5 * std / math.sqrt(n_values):
            raise AssertionError(f"{name} {what}: the noise should have mean zero.")
    mean = (facts["scale"] * noisy).mean(0).reshape(shape)
    if not relative_l2(actual, mean) <= 1e-5:
        raise Failure(f"{name} {what}: {_lower_first(mistake('not_plain_mean').cause)}", mistake="not_plain_mean")


def _lower_first(sentence: str) -> str:
    return sentence[:1].lower() + sentence[1:]


def _independent(name, what, noise: torch.Tensor) -> None:
    """Each sample's noise a fresh draw: no two samples' noises alike (see ``utils.properties``)."""
    if largest_noise_correlation(noise) > SAME_NOISE_CORRELATION:
        raise Failure(f"{name} {what}: {_lower_first(mistake('noise_reused').cause)}", mistake="noise_reused")


def noise(name, what, record, arrays, key, facts, expected, rtol):
    """One case of the noise baseline: shape, range and a uniform spread (the groups are checked by the judge)."""
    value = _value(name, record, arrays, key)
    actual = as_float_tensor(value, tuple(facts["shape"]), name)
    if not torch.isfinite(actual).all() or actual.min() < -1 - 1e-6 or actual.max() > 1 + 1e-6:
        raise AssertionError(f"{name} {what}: the noise leaves the model's input range [-1, 1].")
    if actual.numel() >= 500:
        # Uniform on [-1, 1]: mean 0, standard deviation 1/√3 ≈ 0.577; a normal draw or [0, 1] is far off.
        if abs(actual.mean().item()) > 0.1 or abs(actual.std().item() - 3 ** -0.5) > 0.05 or \
                actual.min() > -0.9 or actual.max() < 0.9:
            raise Failure(f"{name} {what}: the values are not spread uniformly over [-1, 1] (mean "
                          f"{actual.mean().item():.2f}, standard deviation {actual.std().item():.2f}).",
                          mistake="noise_not_uniform")
    return actual


def blur(name, what, record, arrays, key, facts, expected, rtol):
    """One case of the blur baseline: a heavy blur of the input (``utils.properties.check_blur_baseline``)."""
    value = _value(name, record, arrays, key)
    x = torch.from_numpy(expected["x"])
    try:
        check_blur_baseline(value, x, name)
    except AssertionError as failure:
        raise AssertionError(f"{what}: {failure}") from None


RULES = {"close": close, "exact": exact, "dict": dictionary, "raises": raises, "gap": gap, "smoothgrad": smoothgrad,
         "noise": noise, "blur": blur}


# ---- Stage 08: sanity checks and faithfulness -------------------------------------------


def _one_number(name, what, record, arrays, key) -> float:
    """The returned value as one finite float (a Python number, or an array or tensor of one element)."""
    value = _value(name, record, arrays, key)
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise AssertionError(f"{name} {what}: returned an array of shape {tuple(value.shape)}; return one number.")
        value = value.item()
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        raise AssertionError(f"{name} {what}: returned {value!r}; return one finite number (a float).")
    return float(value)


def number(name, what, record, arrays, key, facts, expected, rtol):
    """One number within ``rtol`` (an absolute tolerance) of the expected one."""
    actual = _one_number(name, what, record, arrays, key)
    wanted = float(np.asarray(expected["value"], dtype=np.float64).reshape(-1)[0])
    if not abs(actual - wanted) <= rtol:
        raise AssertionError(f"{name} {what}: returned {actual:.6g}, which is not the expected value (a difference "
                             f"of at most {rtol:g} is accepted).")


def layers(name, what, record, arrays, key, facts, expected, rtol):
    """Which parameterised layers of a returned model differ from the original: the same 0/1 vector."""
    actual = _value(name, record, arrays, key)
    wanted = torch.from_numpy(np.array(expected["value"], dtype=np.float64))
    if not isinstance(actual, torch.Tensor) or actual.shape != wanted.shape:
        raise AssertionError(f"{name} {what}: the record of which layers changed is malformed.")
    got, want = actual.bool(), wanted.bool()
    if torch.equal(got, want):
        return
    n_got, n_want = int(got.sum()), int(want.sum())
    if n_want == 0:
        raise Failure(f"{name} {what}: with n_layers=0 the copy must equal the original, but {n_got} of its "
                      "parameterised layers differ (careful: layers[-0:] is the whole list, not an empty one).",
                      mistake="negative_zero_slice")
    if n_got == 0:
        raise AssertionError(f"{name} {what}: no parameterised layer of the returned model differs from the original. "
                             "Re-initialise the last n_layers parameterised layers of the copy "
                             "(layer.reset_parameters()).")
    if n_got == n_want and bool(got[:n_got].all()):
        raise Failure(f"{name} {what}: re-initialised the {n_got} parameterised layer(s) nearest the input. The "
                      "cascade randomises from the top: the LAST n_layers parameterised layers in "
                      "model.modules() order, nearest the output.", mistake="randomized_from_input")
    if n_got != n_want:
        raise Failure(f"{name} {what}: {n_got} parameterised layer(s) differ from the original instead of "
                             "n_layers. Count every module that owns parameters directly (Conv2d, Linear and batch "
                             "norm alike: next(m.parameters(recurse=False), None) is not None), each once, and change "
                             "only those in the copy.", mistake="layer_count")
    raise AssertionError(f"{name} {what}: re-initialised other layers than the last n_layers parameterised layers of "
                         "model.modules() (the ones nearest the output; batch norm layers own parameters too, so "
                         "they count).")


def curve(name, what, record, arrays, key, facts, expected, rtol):
    """A deletion or insertion curve: steps + 1 probabilities, each within ``rtol`` (absolute) of the expected."""
    value = _value(name, record, arrays, key)
    wanted = torch.from_numpy(np.array(expected["value"], dtype=np.float64)).reshape(-1)
    if not isinstance(value, torch.Tensor):
        raise AssertionError(f"{name} {what}: returned one number; return the whole curve, steps + 1 probabilities.")
    if value.numel() != wanted.numel() or value.dim() > 2:
        raise AssertionError(f"{name} {what}: returned {value.numel()} values (shape {tuple(value.shape)}); a curve "
                             "has steps + 1 points, from step 0 (nothing changed yet) to step steps (every pixel "
                             "changed).")
    actual = value.reshape(-1)
    if not torch.isfinite(actual).all():
        raise AssertionError(f"{name} {what}: the curve holds NaN or infinite values.")
    if actual.min() < -1e-6 or actual.max() > 1 + 1e-6:
        raise Failure(f"{name} {what}: the curve has values outside [0, 1]; it holds the softmax PROBABILITY of "
                      "the target class after each step, not its logit.", mistake="logit_not_probability")
    error = (actual - wanted).abs()
    if error.max() <= rtol:
        return
    if error[0] <= rtol and error[-1] <= rtol:
        raise Failure(f"{name} {what}: the first and last points are right but some in between are not (off "
                      f"by up to {error.max().item():.3g}). {mistake('pixel_order').cause}", mistake="pixel_order")
    raise AssertionError(f"{name} {what}: the curve differs from the expected one by up to {error.max().item():.3g} "
                         f"(at most {rtol:g} is accepted), also at its ends. Check: the model in eval mode, the "
                         "softmax over the classes, the target's column, and the start (x for deletion, the baseline "
                         "for insertion).")


def cascade(name, what, record, arrays, key, facts, expected, rtol):
    """The cascade curve, judged with the record of which models explain was given."""
    calls = record.get("calls") or {}
    if record.get("kind") not in ("stub", "error", "none", "badtype"):
        if not calls.get("count"):
            raise AssertionError(f"{name} {what}: explain was never called; compute each map with the explain "
                                 "function you are given.")
        flags = np.array(arrays.get(f"{key}_flags", np.zeros((0, 0))), dtype=np.float64)
        if flags.ndim != 2 or len(flags) != calls["count"]:
            raise AssertionError(f"{name} {what}: the record of explain's calls is malformed.")
        if (flags < 0).any():
            raise AssertionError(f"{name} {what}: explain was given something that is not a copy of the model; pass "
                                 "explain the model itself, then each randomised copy.")
        if not (flags == 0).all(axis=1).any():
            raise AssertionError(f"{name} {what}: explain was never given the trained model; every point of the curve "
                                 "compares a randomised model's map with the map of the trained (original) model.")
        for row in flags.astype(bool):
            k = int(row.sum())
            if k and not row[len(row) - k:].all():
                where = "nearest the input" if row[:k].all() else "that are not the top ones"
                raise Failure(f"{name} {what}: explain was given a model whose randomised layers are {where}. "
                              "Step k of the cascade randomises the k parameterised layers nearest the output "
                              "(use your randomize_layers(model, k)).",
                              mistake="randomized_from_input" if row[:k].all() else None)
        if not (calls.get("inputs_passed_on") and calls.get("class_passed_on")):
            raise AssertionError(f"{name} {what}: pass x and target on to explain unchanged.")
    value = _value(name, record, arrays, key)
    wanted = torch.from_numpy(np.array(expected["value"], dtype=np.float64)).reshape(-1)
    if not isinstance(value, torch.Tensor) or value.numel() != wanted.numel():
        got = "one number" if not isinstance(value, torch.Tensor) else f"{value.numel()} values"
        raise AssertionError(f"{name} {what}: returned {got}; return one correlation per entry of layers.")
    actual = value.reshape(-1)
    if not torch.isfinite(actual).all():
        raise AssertionError(f"{name} {what}: the curve holds NaN or infinite values (a constant map has "
                             "correlation 0.0).")
    error = (actual - wanted).abs().max().item()
    if not error <= rtol:
        raise AssertionError(f"{name} {what}: the maps were computed on the right models, but the correlations are "
                             f"off by up to {error:.3g}. Compare each randomised model's map with the trained model's "
                             "map using rank_correlation with its default absolute=True, in the order of layers.")


RULES.update({"number": number, "layers": layers, "curve": curve, "cascade": cascade})
