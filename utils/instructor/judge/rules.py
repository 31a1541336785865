"""How the judge compares a record with the expected values, one rule per kind of answer.

Lenient on form (a NumPy array or a tensor, with or without the leading batch
dimension of 1, any float dtype), strict on values. Every failure is an
``AssertionError`` whose message is written for the student: what was computed
(``what``), how far off the answer was, and the likely cause where it is clear;
never the expected numbers.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from utils.checks import as_float_tensor


def relative_error(actual: torch.Tensor, expected: torch.Tensor) -> float:
    """‖actual − expected‖₂ / ‖expected‖₂ (0 when both are 0, ∞ when only the expected is)."""
    scale = torch.linalg.vector_norm(expected)
    difference = torch.linalg.vector_norm(actual - expected)
    if scale == 0:
        return 0.0 if difference == 0 else math.inf
    return (difference / scale).item()


def _value(name: str, record: dict, arrays: dict, key: str):
    """The returned value as a tensor or number; a clear failure when the call gave none."""
    kind = record.get("kind")
    if kind in ("stub", "error"):
        raise AssertionError(str(record.get("message", f"{name} raised an error.")))
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
    error = relative_error(actual, wanted)
    if not error <= rtol:
        raise AssertionError(f"{name} {what}: the result differs from the expected one by {error:.2%} "
                             f"(relative L2 error; at most {rtol:.2%} is accepted).")


def exact(name, what, record, arrays, key, facts, expected, rtol):
    value = _value(name, record, arrays, key)
    if record.get("kind") != "integer":
        raise AssertionError(f"{name} {what}: returned a {record.get('kind', 'value')}, not an int; return the "
                             "count as an int.")
    if value != facts["value"]:
        raise AssertionError(f"{name} {what}: returned {value!r}, which is not the expected value.")


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
            raise AssertionError(f"{name} for {method!r} {what}: returned {got[method]:g}, which is not the "
                                 "expected value.")


def raises(name, what, record, arrays, key, facts, expected, rtol):
    kind = record.get("kind")
    if kind == "stub":
        raise AssertionError(str(record["message"]))
    if kind == "error" and record.get("value_error"):
        return
    if kind == "error":
        raise AssertionError(f"{name} {what}: {record['message']}; an unknown kind should raise a ValueError.")
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
        raise AssertionError(f"{name} {what}: the value is not the expected gap (sum of the attributions minus the "
                             "change of the target logit from the baseline to the input).")


def smoothgrad(name, what, record, arrays, key, facts, expected, rtol):
    value = _value(name, record, arrays, key)
    shape = tuple(facts["shape"])
    actual = as_float_tensor(value, shape, name)
    if facts["scale"] is None:
        wanted = torch.from_numpy(expected["value"]).reshape(shape)
        if not relative_error(actual, wanted) <= 1e-5:
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
        if not abs(spread - std) <= 0.05 * std:
            raise AssertionError(f"{name} {what}: the noise's standard deviation is not noise_std "
                                 "(use noise_std * torch.randn_like(x): noise_std is a standard deviation).")
        if not abs(noise.mean().item()) <= 0.05 * std:
            raise AssertionError(f"{name} {what}: the noise should have mean zero.")
        if n > 1:
            _independent(name, what, noise)
    mean = (facts["scale"] * noisy).mean(0).reshape(shape)
    if not relative_error(actual, mean) <= 1e-5:
        raise AssertionError(f"{name} {what}: the result is not the plain mean of what explain returned "
                             "(divide the sum by n_samples).")


def _independent(name, what, noise: torch.Tensor) -> None:
    """Each sample's noise a fresh draw: no two samples' noises alike.

    Independent draws of d values have correlations of order 1/√d (d = 64 here at
    the least: |r| < 0.6 with overwhelming odds); the same draw reused, or the same
    seed set before every draw, gives r = 1.
    """
    centred = noise - noise.mean(1, keepdim=True)
    unit = centred / centred.norm(dim=1, keepdim=True).clamp_min(1e-300)
    correlation = unit @ unit.T
    correlation.fill_diagonal_(0)
    if correlation.abs().max().item() > 0.6:
        raise AssertionError(f"{name} {what}: two samples got the same noise. Draw fresh noise for every sample "
                             "(inside the loop, without re-seeding the generator each time).")


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
            raise AssertionError(f"{name} {what}: the values are not spread uniformly over [-1, 1] (mean "
                                 f"{actual.mean().item():.2f}, standard deviation {actual.std().item():.2f}).")
    return actual


RULES = {"close": close, "exact": exact, "dict": dictionary, "raises": raises, "gap": gap, "smoothgrad": smoothgrad,
         "noise": noise}
