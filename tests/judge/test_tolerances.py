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
from utils.instructor.tools.tolerance_spread import MARGIN, measure, read_table, hidden_tests_with_tolerance

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
