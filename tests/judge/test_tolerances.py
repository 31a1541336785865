"""Every tolerance has its measured reason, and no correct computation loses a mark whichever CPU computed the
answer key: the table ``docs/tolerances.json`` (``python -m utils.instructor.tools.tolerance_spread --write``)
covers every hidden test that compares within a tolerance, with the tolerance declared today, and a part of it
measured again here agrees; the demo class, judged with expected values from another CPU capability than its
kernels', gives its correct computations done in float64, channels-last, batched and with ``torch.func`` full marks.
"""

from __future__ import annotations

import pytest
import torch

from utils.instructor.paths import stages
from utils.instructor.tools import demo_class
from utils.instructor.tools.tolerance_spread import (MARGIN, hidden_tests_with_tolerance, in_batch, in_float64,
                                                     in_memory_format, measure, read_table)
from utils.recording._cases import Case

from tests.graded_demo_class import student_of

#: Correct computations done another way than the answer key's (the demo class's kinds of the same names).
DONE_ANOTHER_WAY = ("float64", "channels_last", "batched", "torch_func")


def test_the_table_covers_every_tolerance_as_declared_and_each_is_sound():
    table = {row.grade_id: row for row in read_table()}
    declared = {test.grade_id: test for test in hidden_tests_with_tolerance(stages())}
    assert sorted(table) == sorted(declared), "docs/tolerances.json is stale: run python -m " \
        "utils.instructor.tools.tolerance_spread --write"
    for grade_id, test in declared.items():
        row = table[grade_id]
        assert row.rtol == test.rtol, f"{grade_id}: declared rtol={test.rtol}, measured for {row.rtol}"
        assert MARGIN * row.spread <= row.rtol, f"{grade_id}: correct answers spread {row.spread:.2e}"
        assert row.nearest_mistake is None or row.rtol <= row.nearest_mistake / MARGIN, \
            f"{grade_id}: {row.nearest_mistake_name} is only {row.nearest_mistake:.2e} away"


def test_stage_01_measured_again_here_agrees_with_the_table():
    """The portable CPU kernels against this CPU's own, and float64: on the unseen photo and digits the spread stays
    inside each tolerance with its margin, and the classic mistakes are as far as the table says."""
    native = torch.backends.cpu.get_cpu_capability().lower()
    assert native != "default", "this CPU selects PyTorch's portable kernels by itself: nothing to compare"
    table = {row.grade_id: row for row in read_table()}
    measured = ["test_vanilla_gradients_hidden_imagenet", "test_vanilla_gradients_hidden_mnist"]
    rows = measure(["01_vanilla_gradients"], capability_names=("default", native), ways=("float64",),
                   log=lambda *_: None, grade_ids=measured)
    assert [row.grade_id for row in rows] == measured
    for row in rows:
        assert row.spread > 0, f"{row.grade_id}: no two ways of computing differed at all: nothing was measured"
        assert row.sound, f"{row.grade_id}: spread {row.spread:.2e} ({row.spread_between}), rtol {row.rtol}"
        stored = table[row.grade_id]
        assert row.nearest_mistake_name == stored.nearest_mistake_name
        assert row.nearest_mistake == pytest.approx(stored.nearest_mistake, rel=0.05)
    photo = next(row for row in rows if row.grade_id == "test_vanilla_gradients_hidden_imagenet")
    assert photo.spread > 1e-3, "EfficientNet's kinks should make the photo's correct answers spread beyond the " \
        "tolerance of 1e-3 these tests had before they were measured"


def test_the_demo_class_was_judged_with_another_cpus_expected_values(graded_class):
    used = graded_class["capabilities"]
    assert used["expected_values"] == "DEFAULT" and used["kernels"] != "DEFAULT", used


@pytest.mark.parametrize("kind", DONE_ANOTHER_WAY)
def test_the_demo_class_gives_computations_done_another_way_full_marks(graded_class, kind):
    student = student_of(kind)
    points = demo_class._points()
    full = sum(points[grade_id] for grade_id in demo_class.ALL)
    assert float(graded_class["scores"][student][demo_class.STAGE]) == full, graded_class["expected"][student]


def test_each_way_of_computing_changes_only_how_the_same_answer_is_computed():
    """The table's correct ways, on a small case: the memory formats and float64 change the layout and precision of
    the model and the input (in place, so layers handed over with the model follow), and the batch adds a companion
    input whose rows never come back."""
    def case():
        model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.Flatten(), torch.nn.LazyLinear(2))
        x = torch.rand(1, 3, 8, 8)
        model(x)
        return Case("a small case", (model, x, 1), {"baseline": torch.zeros(1, 3, 8, 8)}, model=model)

    last = in_memory_format(torch.channels_last)(case())
    assert last.args[1].is_contiguous(memory_format=torch.channels_last)
    assert last.kwargs["baseline"].is_contiguous(memory_format=torch.channels_last)
    assert last.args[0][0].weight.is_contiguous(memory_format=torch.channels_last)
    back = in_memory_format(torch.contiguous_format)(last)
    assert back.args[1].is_contiguous() and back.args[0][0].weight.is_contiguous()
    wide = in_float64(case())
    assert wide.args[1].dtype == wide.kwargs["baseline"].dtype == wide.args[0][0].weight.dtype == torch.float64
    assert wide.args[2] == 1
    plain = case()
    batched = in_batch(plain)
    alone, beside = plain.args[0](plain.args[1]), batched.args[0](plain.args[1])
    assert beside.shape == alone.shape == (1, 2)
    assert torch.allclose(beside, alone, atol=1e-6), "the input's own row comes back (up to the batch's rounding)"
