"""The judge's rules, each on a small hidden test of its own: the expected values its ``expected`` computes from the
answer key, a right answer recorded as a grading kernel records it (passed), and wrong ones (failed, with the
outcome and the classic mistake the rule names). The whole path runs: ``expected.compute``, ``make_record``,
``judge_payload``; only the tests are small and declared here instead of in a stage module."""

from __future__ import annotations

import copy

import pytest
import torch
import torchvision.transforms.functional as TF
from torch import nn

from utils.instructor import reference
from utils.instructor.judge import expected as expected_values
from utils.instructor.judge import decide, judge_payload
from utils.instructor.judge.rules import RULES, CaseToCompute, Rule, rule_of
from utils.recording import Case, HiddenTest, make_record
from utils.recording import _cases
from utils.recording._cases import REGISTRY, STAGE_OF_TEST, load_all_stages, photo
from utils.recording.stage06 import RecordingExplain
from utils.recording.stage08 import _cascade_case, randomised_layers, toy_linear_model

STAGE = "99_rule_examples"


@pytest.fixture
def verdict(monkeypatch):
    """``verdict(test, function)``: the judge's verdict on ``function``, ``test`` declared for this test only."""
    load_all_stages()

    def judge(test: HiddenTest, function):
        monkeypatch.setitem(REGISTRY, test.grade_id, test)
        monkeypatch.setitem(STAGE_OF_TEST, test.grade_id, STAGE)
        facts, expected = expected_values.compute(STAGE)
        with torch.random.fork_rng():
            torch.manual_seed(0)
            data = make_record(test.grade_id, function)
        result = judge_payload(test.grade_id, data, facts, expected)
        return result.outcome, result.mistake

    return judge


# --- small models and inputs --------------------------------------------------------------------------------------

X = torch.tensor([[[[0.5, -1.0], [2.0, 0.25]]]])


def linear_model() -> nn.Module:
    """Three classes over a (1, 1, 2, 2) input, fixed weights."""
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 3))
    with torch.no_grad():
        model[1].weight.copy_(torch.arange(12.0).reshape(3, 4) / 10 - 0.5)
        model[1].bias.zero_()
    return model.eval()


def conv_net() -> nn.Module:
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 4 * 4, 3)).eval()


def mlp() -> nn.Module:
    with torch.random.fork_rng():
        torch.manual_seed(1)
        return nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)).eval()


def constant(value):
    """A function that returns ``value`` (the answer key's, computed here, outside the recorder's watch)."""
    return lambda *args, **kwargs: copy.deepcopy(value)


def owners(model: nn.Module) -> list[nn.Module]:
    return [m for m in model.modules() if next(m.parameters(recurse=False), None) is not None]


# --- one example per rule: (hidden test, right answer, [(wrong answer, outcome, mistake)]) -------------------------

def close_example():
    def gradient_x_input(model, input_tensor, target_class, probability=False):
        x = input_tensor.clone().requires_grad_(True)
        scores = model(x).softmax(1) if probability else model(x)
        scores[0, target_class].backward()
        return (x.grad * x).detach()

    test = HiddenTest("test_unit_close", "gradient_x_input",
                      lambda: [Case("on a linear model", (linear_model(), X.clone(), 1))],
                      expected="gradient_x_input", rtol=1e-6, mistakes=("probability",))
    return test, gradient_x_input, [
        (lambda *args: -gradient_x_input(*args), "wrong", "opposite_sign"),
        (lambda *args: 1.5 * gradient_x_input(*args), "wrong", "wrong_scale"),
        (lambda *args: gradient_x_input(*args, probability=True), "wrong", "probability"),
        (lambda *args: None, "wrong", None)]


def exact_example():
    flops = reference.count_flops_forward(conv_net(), 1, 4, 4)
    test = HiddenTest("test_unit_exact", "count_flops_forward",
                      lambda: [Case("on a small network", (conv_net(), 1, 4, 4))], rule="exact",
                      expected="count_flops_forward")
    return test, constant(flops), [(constant(2 * flops), "wrong", "macs_not_flops"),
                                   (constant(flops + 1), "wrong", None), (constant(float(flops)), "wrong", None)]


def dict_example():
    costs = reference.cost_multipliers(10, 4)
    test = HiddenTest("test_unit_dict", "cost_multipliers", lambda: [Case("for 10 steps and 4 samples", (10, 4))],
                      rule="dict", expected="cost_multipliers")
    return test, constant(costs), [(constant({**costs, "CAM": costs["CAM"] + 1}), "wrong", "cam_backward"),
                                   (constant({}), "wrong", None)]


def raises_example():
    def refuses(input_tensor, kind):
        raise ValueError(f"unknown kind {kind!r}")

    def refuses_wrongly(input_tensor, kind):
        raise TypeError(kind)

    test = HiddenTest("test_unit_raises", "make_baseline", lambda: [Case("with the unknown kind 'purple'",
                                                                         (X.clone(), "purple"))], rule="raises")
    return test, refuses, [(constant(torch.zeros(1, 1, 2, 2)), "wrong", None), (refuses_wrongly, "error", None)]


def gap_example():
    args = (linear_model(), X.clone(), 2, torch.zeros_like(X), torch.zeros_like(X))
    gap = reference.completeness_gap(*args)
    assert abs(gap) > 0.1  # the flipped sign must be told apart
    test = HiddenTest("test_unit_gap", "completeness_gap",
                      lambda: [Case("for zero attributions", (linear_model(), X.clone(), 2, torch.zeros_like(X),
                                                              torch.zeros_like(X)))],
                      rule="gap", expected="completeness_gap", rtol=1e-5)
    return test, constant(gap), [(constant(-gap), "wrong", "gap_sign"), (constant(gap + 1), "wrong", None)]


def smoothgrad_example():
    def smoothgrad(explain, model, x, class_idx, n_samples=25, noise_std=0.1, reuse=False):
        noise = noise_std * torch.randn_like(x)
        results = []
        for _ in range(n_samples):
            results.append(torch.as_tensor(explain(model, x + noise, class_idx)))
            noise = noise if reuse else noise_std * torch.randn_like(x)
        return torch.stack(results).mean(0)

    def cases():
        model = linear_model()
        return [Case("with n_samples=16, noise_std=0.5", (RecordingExplain(model, 2.0), model, torch.zeros(1, 1, 8, 8),
                                                          1), {"n_samples": 16, "noise_std": 0.5}, model=model)]

    test = HiddenTest("test_unit_smoothgrad", "smoothgrad", cases, rule="smoothgrad")
    return test, smoothgrad, [
        (lambda *args, **kwargs: smoothgrad(*args, **kwargs, reuse=True), "wrong", "noise_reused"),
        (lambda *args, **kwargs: 1.1 * smoothgrad(*args, **kwargs), "wrong", "not_plain_mean")]


def noise_example():
    def make_baseline(input_tensor, kind, seeded=True, low=-1.0):
        generator = torch.Generator().manual_seed(0) if seeded else None
        return low + (1 - low) * torch.rand(input_tensor.shape, generator=generator)

    def cases():
        x = torch.rand(1, 3, 16, 16, generator=torch.Generator().manual_seed(3)) * 2 - 1
        return [Case("for an input", (x, "noise")), Case("for the same input again", (x.clone(), "noise")),
                Case("for zeros of its shape", (torch.zeros_like(x), "noise"))]

    test = HiddenTest("test_unit_noise", "make_baseline", cases, rule="noise")
    return test, make_baseline, [(lambda x, kind: make_baseline(x, kind, seeded=False), "wrong", "noise_unseeded"),
                                 (lambda x, kind: make_baseline(x, kind, low=0.0), "wrong", "noise_not_uniform")]


def blur_example():
    test = HiddenTest("test_unit_blur", "make_baseline",
                      lambda: [Case("on a photo", (photo("coffee")[..., 40:136, 30:158].clone(), "blur"))], rule="blur")
    def blurred(x, kind, size=31, sigma=10.0):
        return TF.gaussian_blur(x, [size, size], [sigma, sigma])

    return test, blurred, [(lambda x, kind: x.clone(), "wrong", None),
                           (lambda x, kind: blurred(x, kind, size=5, sigma=1.0), "wrong", None)]


def number_example():
    curve = torch.tensor([1.0, 0.8, 0.5, 0.2, 0.0])
    area = float(reference.area_under_curve(curve))
    test = HiddenTest("test_unit_number", "area_under_curve",
                      lambda: [Case("for a curve of 5 points", (curve.clone(),))], rule="number",
                      expected="area_under_curve", rtol=1e-6)
    return test, constant(area), [(constant(area + 0.1), "wrong", None), (constant([area, area]), "wrong", None)]


def layers_example():
    def randomize_layers(model, n_layers, seed=0, from_input=False):
        copied = copy.deepcopy(model)
        layers = owners(copied)
        for layer in (layers[:n_layers] if from_input else layers[len(layers) - n_layers:]):
            layer.reset_parameters()
        return copied

    def cases():
        model = mlp()
        return [Case("on a small network with n_layers=1", (model, 1), model=model)]

    test = HiddenTest("test_unit_layers", "randomize_layers", cases, rule="layers", expected="randomize_layers",
                      summary=randomised_layers)
    return test, randomize_layers, [
        (lambda *args: randomize_layers(*args, from_input=True), "wrong", "randomized_from_input"),
        (lambda model, n: copy.deepcopy(model), "wrong", None)]


def curve_example():
    args = (toy_linear_model(), torch.ones(1, 1, 2, 2), 1, torch.tensor([[[[3.0, 2.0], [1.0, 0.0]]]]), 4,
            torch.zeros(1, 1, 2, 2))
    curve = reference.deletion_curve(*args)
    middle = curve.clone()
    middle[..., 2] -= 0.1
    test = HiddenTest("test_unit_curve", "deletion_curve",
                      lambda: [Case("on the toy model", tuple(a.clone() if isinstance(a, torch.Tensor) else a
                                                              for a in args))],
                      rule="curve", expected="deletion_curve", rtol=1e-4)
    return test, constant(curve), [(constant(curve + 2), "wrong", "logit_not_probability"),
                                   (constant(middle), "wrong", "pixel_order")]


def cascade_example():
    def cases():
        model = mlp()
        return [_cascade_case(model, torch.rand(1, 4, generator=torch.Generator().manual_seed(2)), 1, [1, 2],
                              "on a small network with layers=[1, 2]")]

    correlations = reference.model_randomization_test(*cases()[0].args)

    def model_randomization_test(explain, model, x, target, layers, from_input=False):
        explain(model, x, target)
        for k in layers:
            copied = copy.deepcopy(model)
            chosen = owners(copied)
            for layer in (chosen[:k] if from_input else chosen[len(chosen) - k:]):
                layer.reset_parameters()
            explain(copied, x, target)
        return copy.deepcopy(correlations)

    test = HiddenTest("test_unit_cascade", "model_randomization_test", cases, rule="cascade",
                      expected="model_randomization_test", rtol=1e-4)
    return test, model_randomization_test, [
        (lambda *args: model_randomization_test(*args, from_input=True), "wrong", "randomized_from_input"),
        (constant(correlations), "wrong", None)]


def expectation_example():
    def expected_gradients(model, x, target, background, n_samples=64, generator=None, multiply=True, seed=None,
                           use_generator=True):
        if seed is not None:
            torch.manual_seed(seed)
        draws = generator if use_generator else None
        baselines = background[torch.randint(len(background), (n_samples,), generator=draws)]
        alphas = torch.rand(n_samples, 1, 1, 1, generator=draws)
        points = (baselines + alphas * (x - baselines)).requires_grad_(True)
        (grads,) = torch.autograd.grad(model(points)[:, target].sum(), points)
        return ((x - baselines) * grads if multiply else grads).mean(0, keepdim=True)

    background = torch.rand(6, 1, 2, 2, generator=torch.Generator().manual_seed(4)) * 2 - 1

    def cases():
        model = linear_model()
        return [Case(f"with generator {seed}", (model, X.clone(), 1, background.clone()),
                     {"n_samples": 300, "generator": None if seed is None else torch.Generator().manual_seed(seed)},
                     model=model) for seed in (1, 1, 2, None, None)]

    def variant(**options):
        return lambda *args, **kwargs: expected_gradients(*args, **kwargs, **options)

    test = HiddenTest("test_unit_expectation", "expected_gradients", cases, rule="expectation",
                      expected="expected_gradients")
    return test, expected_gradients, [(variant(multiply=False), "wrong", "eg_not_expectation"),
                                      (variant(use_generator=False), "wrong", "eg_generator_ignored"),
                                      (variant(seed=0, use_generator=False), "wrong", "eg_not_fresh")]


EXAMPLES = {"close": close_example, "exact": exact_example, "dict": dict_example, "raises": raises_example,
            "gap": gap_example, "smoothgrad": smoothgrad_example, "noise": noise_example, "blur": blur_example,
            "number": number_example, "layers": layers_example, "curve": curve_example, "cascade": cascade_example,
            "expectation": expectation_example}


@pytest.mark.parametrize("rule", EXAMPLES)
def test_each_rule_passes_the_right_answer_and_names_what_is_wrong(rule, verdict):
    test, right, wrongs = EXAMPLES[rule]()
    assert test.rule == rule
    assert verdict(test, right) == ("passed", None)
    for wrong, outcome, mistake in wrongs:
        assert verdict(test, wrong) == (outcome, mistake)


def test_every_rule_has_an_example():
    assert set(EXAMPLES) == set(RULES)


# --- one table, the names the hidden tests use ----------------------------------------------------------------------

def test_the_judge_has_one_rule_for_each_name_a_hidden_test_may_use():
    """``HiddenTest.rule`` is checked in the kernel against ``_cases.RULES``; the judge looks it up in its table."""
    assert tuple(RULES) == _cases.RULES
    assert all(isinstance(rule, Rule) and rule.name == name for name, rule in RULES.items())
    assert len({type(rule) for rule in RULES.values()}) == len(RULES)


def test_every_hidden_test_names_the_answer_key_exactly_when_its_rule_uses_it():
    load_all_stages()
    for grade_id, test in REGISTRY.items():
        uses = rule_of(test.rule).uses_answer_key
        assert (test.expected is not None) == uses, (grade_id, test.rule, test.expected)
        if uses:
            assert callable(getattr(reference, test.expected, None)), (grade_id, test.expected)


def test_a_rule_that_does_not_exist_says_which_do():
    with pytest.raises(KeyError, match="no rule is named 'closer'.*'close'"):
        rule_of("closer")


def test_a_missing_answer_key_function_says_how_to_name_one():
    test = HiddenTest("test_unit_no_answer", "area_under_curve", lambda: [], rule="number")
    with pytest.raises(ValueError, match="name its function: HiddenTest\\(..., expected="):
        CaseToCompute(test, Case("for nothing", ())).answer_key()
    misspelt = HiddenTest("test_unit_misspelt", "area_under_curve", lambda: [], rule="number", expected="area_under")
    with pytest.raises(ValueError, match="'area_under' is no function of utils.instructor.reference"):
        CaseToCompute(misspelt, Case("for nothing", ())).answer_key()


# --- records the recorder never writes ------------------------------------------------------------------------------

FORGED = {  # a rule's example -> one case's record as nobody's recorder writes it, with its arrays
    "exact": ({"kind": "integer"}, {"c0": torch.zeros(3).numpy()}),         # an "integer" that is an array
    "dict": ({"kind": "dict"}, {"c0": torch.tensor(1.0).numpy()}),          # a "dict" that is one number
    "raises": ({"kind": "stub"}, {}),                                        # a stub without its message
}


@pytest.mark.parametrize("rule", FORGED)
def test_a_record_made_by_hand_scores_zero_instead_of_stopping_the_judge(rule, monkeypatch):
    load_all_stages()
    test, _, _ = EXAMPLES[rule]()
    monkeypatch.setitem(REGISTRY, test.grade_id, test)
    monkeypatch.setitem(STAGE_OF_TEST, test.grade_id, STAGE)
    facts, expected = expected_values.compute(STAGE)
    record, arrays = FORGED[rule]
    result = decide(test.grade_id, [record], arrays, facts, expected)
    assert (result.outcome, result.passed) == ("missing_record", False)
    assert "the record is malformed" in result.message
