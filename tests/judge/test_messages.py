"""The hidden tests' messages say why, where the cause is clear: the judge names the classic mistake a wrong
answer matches (the same mistaken solutions the visible checks catch, tests/student/checks/)."""

from __future__ import annotations

import pytest

from tests.student_style import (cost_multipliers, make_cam, make_captum_ig, make_counter, make_gradient,
                                 make_ig)


def test_hidden_messages_name_the_likely_cause():
    from utils.instructor.judge import checker

    with pytest.raises(AssertionError, match="not FLOPs"):
        checker("test_count_flops_forward_hidden_custom")(make_counter(per_mac=2))
    with pytest.raises(AssertionError, match="too large: are grouped convolutions divided by `groups`"):
        checker("test_count_flops_forward_hidden_custom")(make_counter(groups=False))
    with pytest.raises(AssertionError, match="counts a backward pass as one forward pass"):
        checker("test_cost_multipliers_hidden")(lambda steps, n: cost_multipliers(steps, n, backward=1))
    with pytest.raises(AssertionError, match="counts S path points"):
        checker("test_cost_multipliers_hidden")(lambda steps, n: cost_multipliers(steps, n, ig_points=lambda s: s))
    with pytest.raises(AssertionError, match="absolute value of the expected result"):
        checker("test_vanilla_gradients_hidden_mnist")(make_gradient(absolute=True))
    with pytest.raises(AssertionError, match="times 1.5: the pattern is right and the scale is not"):
        checker("test_integrated_gradients_hidden_default_baseline")(
            lambda *args, **kwargs: 1.5 * make_ig()(*args, **kwargs))


@pytest.mark.parametrize("grade_id, mistake, message", [
    ("test_vanilla_gradients_hidden_mnist", make_gradient(probability=True), "gradient of the softmax probability"),
    ("test_gradient_x_input_hidden_imagenet", make_gradient(probability=True, times_input=True),
     "gradient of the softmax probability"),
    ("test_integrated_gradients_hidden_mnist", make_ig(rule="left"), "matches a left Riemann sum"),
    ("test_integrated_gradients_hidden_mnist", make_ig(rule="mean"), "plain mean of the gradients at the S \\+ 1"),
    ("test_integrated_gradients_hidden_mnist", make_ig(use_baseline=False), "`baseline` argument was ignored"),
    ("test_captum_integrated_gradients_hidden_mnist", make_captum_ig(use_baseline=False),
     "`baseline` argument was ignored"),
    ("test_compute_cam_hidden_imagenet", make_cam("cam", relu=False), "expected map without the ReLU"),
], ids=["vanilla of the probability", "gradient x input of the probability", "IG left Riemann", "IG plain mean",
        "IG baseline ignored", "Captum IG baseline ignored", "CAM without ReLU"])
def test_hidden_messages_name_the_classic_mistake(grade_id, mistake, message):
    """The judge compares a wrong answer with the answer key's version of each likely mistake."""
    from utils.instructor.judge import checker

    with pytest.raises(AssertionError, match=message):
        checker(grade_id)(mistake)


@pytest.mark.parametrize("grade_id, wrong, mistake_id", [
    ("test_vanilla_gradients_hidden_mnist", make_gradient(probability=True), "probability"),
    ("test_integrated_gradients_hidden_mnist", make_ig(rule="left"), "left_riemann"),
    ("test_integrated_gradients_hidden_mnist", make_ig(rule="mean"), "mean_of_points"),
    ("test_captum_integrated_gradients_hidden_mnist", make_captum_ig(use_baseline=False), "zero_baseline"),
    ("test_compute_cam_hidden_imagenet", make_cam("cam", relu=False), "no_relu"),
    ("test_vanilla_gradients_hidden_mnist", make_gradient(absolute=True), "absolute_value"),
    ("test_integrated_gradients_hidden_default_baseline", lambda *a, **k: 1.5 * make_ig()(*a, **k), "wrong_scale"),
    ("test_vanilla_gradients_hidden_mnist", make_gradient(), None),
], ids=["probability", "left Riemann", "plain mean", "baseline ignored", "no ReLU", "absolute", "scale", "correct"])
def test_the_verdict_names_the_mistake_by_its_id(grade_id, wrong, mistake_id):
    """The verdict a class report counts: the mistake's stable id beside the message that names its cause."""
    from utils.instructor.judge import judge_function
    from utils.instructor.judge.mistakes import mistake

    verdict = judge_function(grade_id, wrong)
    if mistake_id is None:
        assert verdict.passed and verdict.mistake is None and verdict.message == ""
        return
    assert (verdict.outcome, verdict.mistake) == ("wrong", mistake_id)
    assert mistake(mistake_id).cause.split(":")[0].lower()[:30] in verdict.message.lower()


def test_a_stub_and_an_error_are_their_own_outcomes():
    from utils.instructor.judge import judge_function

    def stub(model, input_tensor, target_class):
        raise NotImplementedError()

    def broken(model, input_tensor, target_class):
        return model(input_tensor)[0, 10 ** 6]

    assert judge_function("test_vanilla_gradients_hidden_mnist", stub).outcome == "stub"
    assert judge_function("test_vanilla_gradients_hidden_mnist", broken).outcome == "error"


def test_every_mistake_a_hidden_test_lists_is_one_the_answer_key_computes():
    from utils.instructor.judge.mistakes import MISTAKES
    from utils.recording._cases import REGISTRY, load_all_stages

    load_all_stages()
    computed = {name for name, m in MISTAKES.items() if m.compute is not None}
    listed = {name for test in REGISTRY.values() for name in test.mistakes}
    assert listed and listed <= computed, sorted(listed - computed)
    assert computed <= listed, f"mistakes no hidden test uses: {sorted(computed - listed)}"


def test_every_mistake_a_rule_names_is_defined():
    """Rules name mistakes by id (``Failure(..., mistake="id")``, ``mistake("id").cause``); an id missing from
    MISTAKES would only fail when a student first made that mistake, at grading. Read from the source of every rule
    module, every path."""
    import ast
    from pathlib import Path

    from utils.instructor.judge import rules
    from utils.instructor.judge.mistakes import MISTAKES

    modules = sorted(Path(rules.__file__).parent.glob("*.py"))
    named = set()
    for node in (node for path in modules for node in ast.walk(ast.parse(path.read_text()))):
        if isinstance(node, ast.keyword) and node.arg == "mistake":
            named |= {c.value for c in ast.walk(node.value) if isinstance(c, ast.Constant) and isinstance(c.value, str)}
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "mistake":
            named |= {a.value for a in node.args if isinstance(a, ast.Constant)}
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "found" for t in node.targets):
            named |= {c.value for c in ast.walk(node.value) if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    assert len(named) >= 15, sorted(named)
    assert named <= set(MISTAKES), sorted(named - set(MISTAKES))
