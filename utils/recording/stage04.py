"""Stage 04's graded test cells: make_baseline, the five kinds in the model's input space [-1, 1]."""

from __future__ import annotations

import torch

from ._cases import Case, HiddenTest, photo, register

# Constants are exact (black = 0 is off by far more). The blur and the noise are judged by
# what they must be, not by one implementation's numbers (rules "blur" and "noise").
RTOL = 1e-5


def _unseen_inputs():
    generator = torch.Generator().manual_seed(41)
    return [torch.rand(1, 3, 40, 56, generator=generator) * 2 - 1,
            torch.rand(1, 1, 28, 28, generator=generator) * 2 - 1]


def _on(inputs, kinds, what="") -> list[Case]:
    return [Case(f"for kind {kind!r} on an input of shape {tuple(x.shape)}{what}", (x, kind))
            for x in inputs for kind in kinds]


def _visible() -> list[Case]:
    return _on([photo("chelsea")], ("zeros", "black", "white"), " (the notebook's photo)")


def _unseen_photos():
    """A photo the notebook never shows, and a 96 x 128 crop of another (a blur must not assume 224 x 224)."""
    return [photo("astronaut"), photo("coffee")[..., 40:136, 30:158].clone()]


def _noise(inputs) -> list[Case]:
    """Each input, the same input again, and an all-zero input of its shape: the judge wants one seeded draw."""
    cases = []
    for x in inputs:
        cases += _on([x, x.clone()], ("noise",)) + _on([torch.zeros_like(x)], ("noise",), ", all zeros")
    return cases


def _unknown_kinds() -> list[Case]:
    x = _unseen_inputs()[0]
    return [Case(f"with the unknown kind {kind!r}", (x, kind)) for kind in ("gray", "Black", "", "purple")]


register(
    HiddenTest("test_make_baseline_form", "make_baseline", _visible, expected="make_baseline", rtol=RTOL),
    HiddenTest("test_make_baseline_hidden_constant", "make_baseline",
               lambda: _on(_unseen_inputs(), ("zeros", "black", "white")), expected="make_baseline", rtol=RTOL),
    HiddenTest("test_make_baseline_hidden_blur", "make_baseline",
               lambda: _on(_unseen_photos(), ("blur",), ", a photo you have not seen"), rule="blur"),
    HiddenTest("test_make_baseline_hidden_noise", "make_baseline",
               lambda: _noise([photo("chelsea"), *_unseen_inputs()]), rule="noise"),
    HiddenTest("test_make_baseline_hidden_unknown_kind", "make_baseline", _unknown_kinds, rule="raises"),
)
