"""Stage 08's hidden checks: correct solutions pass; the typical mistakes fail with a message that names the cause."""

import copy

import numpy as np
import pytest
import torch

from utils.instructor.judge import checker

from tests import cheats

# ---- solutions written the way a student might (not the answer key's way) ----------------


def make_randomize(from_top=True, copy_model=True, skip_batch_norm=False, negative_slice=False):
    def randomize_layers(model, n_layers, seed=0):
        target = copy.deepcopy(model) if copy_model else model
        layers = []
        for module in target.modules():
            own = list(module.parameters(recurse=False))
            if own and not (skip_batch_norm and isinstance(module, torch.nn.modules.batchnorm._BatchNorm)):
                layers.append(module)
        if negative_slice:
            chosen = layers[-n_layers:]
        else:
            chosen = layers[len(layers) - n_layers:] if from_top else layers[:n_layers]
        generator = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for layer in chosen:
                for parameter in layer.parameters(recurse=False):
                    parameter.copy_(0.05 * torch.randn(parameter.shape, generator=generator))
        return target

    return randomize_layers


def make_correlation(absolute_default=True, ties="average"):
    def rank_correlation(map_a, map_b, absolute=absolute_default):
        a = np.asarray(torch.as_tensor(map_a).detach() if isinstance(map_a, torch.Tensor) else map_a,
                       dtype=np.float64).ravel()
        b = np.asarray(torch.as_tensor(map_b).detach() if isinstance(map_b, torch.Tensor) else map_b,
                       dtype=np.float64).ravel()
        if absolute:
            a, b = np.abs(a), np.abs(b)

        def ranks(v):
            if ties == "ordinal":
                return np.argsort(np.argsort(v, kind="stable"), kind="stable").astype(float)
            order = np.argsort(v, kind="stable")
            r = np.empty(len(v))
            r[order] = np.arange(len(v), dtype=float)
            for value in np.unique(v):  # tied values share the mean of their ranks
                r[v == value] = r[v == value].mean()
            return r

        ra, rb = ranks(a) - ranks(a).mean(), ranks(b) - ranks(b).mean()
        norm = np.sqrt((ra ** 2).sum() * (rb ** 2).sum())
        return 0.0 if norm == 0 else float((ra * rb).sum() / norm)

    return rank_correlation


def make_cascade(randomize=None, correlate=None, against_previous=False):
    randomize = randomize or make_randomize()
    correlate = correlate or make_correlation()

    def model_randomization_test(explain, model, x, target, layers):
        reference_map = explain(model, x, target)
        values = []
        for k in layers:
            randomised_map = explain(randomize(model, k), x, target)
            values.append(correlate(reference_map, randomised_map))
            if against_previous:
                reference_map = randomised_map
        return np.array(values)

    return model_randomization_test


def make_curve(insert=False, ascending=False, logits=False, absolute=False, eval_mode=True, drop_first=False,
               sort="stable"):
    """``sort``: "stable", "torch" (torch.argsort(descending=True) without stable=True) or "quicksort" (NumPy's
    default kind): both unstable, so tied scores come out in an order of their own."""
    def curve(model, x, target, attribution, steps, baseline):
        if eval_mode:
            model.eval()
        a = torch.as_tensor(attribution).detach().double()
        a = a.reshape(-1, x.shape[-2], x.shape[-1])
        scores = (a.abs() if absolute else a).sum(0).reshape(-1).numpy()
        signed = scores if ascending else -scores
        if sort == "torch":
            order = torch.argsort(torch.from_numpy(-signed), descending=True).numpy()
        else:
            order = np.argsort(signed, kind=sort)
        n_pixels = scores.size
        start, end = (baseline, x) if insert else (x, baseline)
        points = []
        for k in range(steps + 1):
            chosen = np.zeros(n_pixels, dtype=bool)
            chosen[order[:(k * n_pixels) // steps]] = True
            mask = torch.from_numpy(chosen).reshape(1, 1, *x.shape[-2:])
            image = torch.where(mask, end, start)
            with torch.no_grad():
                out = model(image)
            points.append((out if logits else out.softmax(1))[0, target].item())
        return torch.tensor(points[1:] if drop_first else points)

    return curve


def area(curve):
    values = np.asarray(torch.as_tensor(curve).detach() if isinstance(curve, torch.Tensor) else curve,
                        dtype=np.float64).ravel()
    return float(np.sum((values[1:] + values[:-1]) / 2) / (len(values) - 1))


RANDOMIZE = [checker("test_randomize_layers_form"), checker("test_randomize_layers_hidden")]
CORRELATION = [checker("test_rank_correlation_form"), checker("test_rank_correlation_hidden")]
CASCADE = [checker("test_model_randomization_test_form"), checker("test_model_randomization_test_hidden")]
DELETION = [checker("test_deletion_curve_form"), checker("test_deletion_curve_hidden_mnist"),
            checker("test_deletion_curve_hidden_imagenet")]
INSERTION = [checker("test_insertion_curve_form"), checker("test_insertion_curve_hidden")]
AREA = [checker("test_area_under_curve_form"), checker("test_area_under_curve_hidden")]


def fails_with(checks, function, *patterns):
    """Every check fails, and each message matches one of ``patterns``."""
    for check in checks:
        with pytest.raises(AssertionError) as failure:
            check(function)
        assert any(p in str(failure.value) for p in patterns), str(failure.value)


# ---- correct solutions pass ------------------------------------------------------------------


@pytest.mark.parametrize("checks, function", [
    (RANDOMIZE, make_randomize()), (CORRELATION, make_correlation()), (CASCADE, make_cascade()),
    (DELETION, make_curve()), (INSERTION, make_curve(insert=True)), (AREA, area),
], ids=["randomize_layers", "rank_correlation", "model_randomization_test", "deletion_curve", "insertion_curve",
        "area_under_curve"])
def test_correct_solutions_pass(checks, function):
    for check in checks:
        check(function)


def test_scipy_based_correlation_and_trapezoid_pass():
    import scipy.stats

    def with_scipy(map_a, map_b, absolute=True):
        a, b = np.ravel(np.asarray(map_a, dtype=float)), np.ravel(np.asarray(map_b, dtype=float))
        if absolute:
            a, b = np.abs(a), np.abs(b)
        if a.std() == 0 or b.std() == 0:
            return 0.0
        return float(scipy.stats.spearmanr(a, b)[0])

    for check in CORRELATION:
        check(with_scipy)
    def with_numpy(curve):
        values = np.ravel(np.asarray(curve, dtype=float))
        return float(np.trapezoid(values, dx=1 / (values.size - 1)))

    for check in AREA:
        check(with_numpy)


# ---- typical mistakes fail, each with a message naming its likely cause ----------------------


def test_signed_correlation_fails():
    fails_with(CORRELATION, make_correlation(absolute_default=False), "absolute=True")
    fails_with(CASCADE, make_cascade(correlate=make_correlation(absolute_default=False)), "absolute=True")


def test_ordinal_ranks_fail_on_ties():
    with pytest.raises(AssertionError, match="tied values"):
        checker("test_rank_correlation_hidden")(make_correlation(ties="ordinal"))


def test_randomising_from_the_bottom_fails():
    fails_with(RANDOMIZE, make_randomize(from_top=False), "nearest the input", "n_layers=0")
    fails_with(CASCADE, make_cascade(randomize=make_randomize(from_top=False)), "nearest the input")


def test_the_negative_slice_fails_for_zero_layers():
    with pytest.raises(AssertionError, match=r"layers\[-0:\]"):
        checker("test_randomize_layers_form")(make_randomize(negative_slice=True))


def test_leaving_out_batch_norm_fails():
    with pytest.raises(AssertionError, match="batch norm"):
        checker("test_randomize_layers_hidden")(make_randomize(skip_batch_norm=True))


def test_forgetting_to_copy_the_model_fails():
    fails_with(RANDOMIZE, make_randomize(copy_model=False), "changed the model")
    fails_with(CASCADE, make_cascade(randomize=make_randomize(copy_model=False)), "changed the model")


def test_correlating_with_the_previous_step_fails():
    with pytest.raises(AssertionError, match="correlations are off"):
        checker("test_model_randomization_test_hidden")(make_cascade(against_previous=True))


def test_deleting_in_ascending_order_fails():
    fails_with(DELETION, make_curve(ascending=True), "HIGHEST first")
    fails_with(INSERTION, make_curve(insert=True, ascending=True), "HIGHEST first")


@pytest.mark.parametrize("sort", ["torch", "quicksort"])
def test_an_unstable_sort_loses_the_marks_of_the_tied_digit(sort):
    """Gradient×Input's exact zeros on a digit's background tie most pixels; an unstable sort passes the form
    tests (few pixels, no ties that matter) but not the hidden tests, whose case with ties names the stable sort."""
    for check in DELETION[:1] + INSERTION[:1]:
        check(make_curve(insert=check is INSERTION[0], sort=sort))
    fails_with([DELETION[1]], make_curve(sort=sort), "stable")
    fails_with([INSERTION[1]], make_curve(insert=True, sort=sort), "stable")


def test_absolute_channel_sum_fails():
    with pytest.raises(AssertionError, match="summed over channels"):
        checker("test_deletion_curve_hidden_imagenet")(make_curve(absolute=True))


def test_logits_fail():
    fails_with(DELETION, make_curve(logits=True), "PROBABILITY")
    fails_with(INSERTION, make_curve(insert=True, logits=True), "PROBABILITY")


def test_train_mode_fails_on_the_imagenet_model():
    with pytest.raises(AssertionError, match="changed the model|eval mode"):
        checker("test_deletion_curve_hidden_imagenet")(make_curve(eval_mode=False))


def test_a_missing_point_fails():
    fails_with(DELETION[:2], make_curve(drop_first=True), "steps + 1 points")


def test_insertion_and_deletion_are_not_interchangeable():
    fails_with(INSERTION, make_curve(insert=False), "differs", "in between")


def test_wrong_areas_fail():
    fails_with(AREA, lambda c: float(np.trapezoid(np.ravel(np.asarray(c, dtype=float)))), "not the expected value")
    fails_with(AREA, lambda c: float(np.mean(np.asarray(c, dtype=float))), "not the expected value")


@pytest.mark.parametrize("checks", [RANDOMIZE, CORRELATION, CASCADE, DELETION, INSERTION, AREA],
                         ids=["randomize_layers", "rank_correlation", "model_randomization_test", "deletion_curve",
                              "insertion_curve", "area_under_curve"])
def test_stubs_fail(checks):
    fails_with(checks, cheats.stub, "not implemented")


def test_the_answer_key_is_refused():
    def borrowed(model, x, target, attribution, steps, baseline):
        from utils.instructor.reference import deletion_curve

        return deletion_curve(model, x, target, attribution, steps, baseline)

    with pytest.raises(AssertionError, match="answer key"):
        checker("test_deletion_curve_hidden_mnist")(borrowed)


def test_returning_something_else_than_a_model_fails():
    with pytest.raises(AssertionError, match="return the randomised copy"):
        checker("test_randomize_layers_form")(lambda model, n_layers, seed=0: model.state_dict())
