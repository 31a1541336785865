"""The course's names (utils.names) agree with the course itself and with what reads them."""

import json

from utils.instructor.paths import SOURCE, stages
from utils.instructor.reference import METHOD_NAMES, cost_multipliers
from utils.names import (COSTED_METHODS, ESTIMATED_METHODS, METHODS, RUNS_LIKE, STAGE_FUNCTIONS, STAGES,
                         per_costed_method, per_estimated_method)


def test_the_stages_are_the_course_folders_in_order():
    """One stage list (utils.names.STAGES, which the instructor's tools read as ``paths.stages()``), and it is
    exactly the nbgrader source's assignments, in the order of their numbers."""
    folders = sorted(p.parent.name for p in SOURCE.glob("*/*.ipynb") if p.stem == p.parent.name)
    assert list(STAGES) == folders
    assert stages() == list(STAGES)


def test_each_function_is_an_exercise_of_its_stage():
    for stage, functions in STAGE_FUNCTIONS.items():
        cells = json.loads((SOURCE / stage / f"{stage}.ipynb").read_text())["cells"]
        code = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        for function in functions:
            assert f"def {function}(" in code, f"{stage} defines no {function}"


def test_every_method_calls_known_functions_and_smoothgrad_only_when_smoothed():
    known = {f for functions in STAGE_FUNCTIONS.values() for f in functions}
    for method in METHODS:
        assert set(method.needs) <= known, method
        assert ("smoothgrad" in method.needs) == method.smoothed, method


def test_the_costed_methods_are_the_answer_keys_table():
    assert METHOD_NAMES == tuple(m.name for m in COSTED_METHODS) == tuple(cost_multipliers(3, 2))


def test_the_estimated_methods_are_stage_07s_then_stage_09s_and_stage_07_grades_the_same_table():
    from utils.instructor.reference import estimated_cost_multipliers

    assert ESTIMATED_METHODS[:len(COSTED_METHODS)] == COSTED_METHODS
    assert {m.name for m in ESTIMATED_METHODS[len(COSTED_METHODS):]} == set(RUNS_LIKE)
    assert {f for m in ESTIMATED_METHODS[len(COSTED_METHODS):] for f in m.needs} == \
        set(STAGE_FUNCTIONS["09_beyond_gradcam"])
    assert tuple(estimated_cost_multipliers(3, 2, 5)) == tuple(m.name for m in ESTIMATED_METHODS)
    assert "HiResCAM" not in cost_multipliers(3, 2)


def test_a_stage_09_method_is_costed_as_the_stage_07_method_whose_passes_it_runs():
    costed = per_costed_method({"compute_cam": 1, "compute_gradcam": 3, "compute_gradcam_plusplus": 5,
                                "integrated_gradients": 3 * 11}, 10)
    table = per_estimated_method(costed, steps=10, draws=7)
    assert table["HiResCAM"] == table["XGrad-CAM"] == table["LayerCAM"] == 3
    assert table["Expected Gradients"] == 3 * 7 and isinstance(table["Expected Gradients"], int)
    assert per_estimated_method(costed, steps=10, draws=14)["Expected Gradients"] == 2 * 21


def test_a_smoothgrad_method_costs_n_times_its_single_method():
    table = per_costed_method({"compute_cam": 1, "compute_gradcam": 3, "compute_gradcam_plusplus": 5,
                               "integrated_gradients": 7}, 10)
    assert table == {"CAM": 1, "Grad-CAM": 3, "Grad-CAM++": 5, "Integrated Gradients": 7, "SmoothGrad + IG": 70,
                     "SmoothGrad + Grad-CAM": 30, "SmoothGrad + Grad-CAM++": 50}


def test_a_stage_number_names_exactly_one_stage():
    """The hidden tests' module stageNN declares stage NN's tests: one conversion, with a clear error."""
    import pytest

    from utils.names import stage_numbered
    from utils.recording._cases import load_all_stages, stage_of

    assert [stage_numbered(s.split("_", 1)[0]) for s in STAGES] == list(STAGES)
    with pytest.raises(ValueError, match="no stage is numbered '10'"):
        stage_numbered("10")
    load_all_stages()
    assert stage_of("test_vanilla_gradients_form") == "01_vanilla_gradients"
