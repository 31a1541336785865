"""The visible tests' run_exercise: stubs, hooks left behind and replaced comparisons get clear messages."""

import numpy as np
import pytest
import torch

from utils import checks


def stub(model, x):
    raise NotImplementedError()


def tidy(model, x):
    handle = model.register_forward_hook(lambda *args: None)
    try:
        return model(x)
    finally:
        handle.remove()


def leaves_a_hook(model, x):
    model.register_forward_hook(lambda *args: None)
    return model(x)


def test_a_stub_says_which_function_to_write():
    with pytest.raises(checks.ExerciseNotDone, match="stub is not implemented yet"):
        checks.run_exercise(stub, torch.nn.Linear(2, 2), torch.ones(1, 2))


def test_a_function_that_removes_its_hooks_passes():
    model = torch.nn.Linear(2, 2)
    out = checks.run_exercise(tidy, model, torch.ones(1, 2))
    assert out.shape == (1, 2) and checks.hook_count(model) == 0


def test_a_hook_left_on_the_model_is_named():
    with pytest.raises(AssertionError, match="left a hook on the model"):
        checks.run_exercise(leaves_a_hook, torch.nn.Sequential(torch.nn.Linear(2, 2)), torch.ones(1, 2))


def test_a_replaced_comparison_function_is_named(monkeypatch):
    monkeypatch.setattr(np, "allclose", lambda *args, **kwargs: True)
    assert checks.replaced_functions() == ["numpy.allclose"]
    with pytest.raises(AssertionError, match="replaced numpy.allclose"):
        checks.run_exercise(tidy, torch.nn.Linear(2, 2), torch.ones(1, 2))


def test_nothing_is_reported_replaced_in_a_clean_session():
    assert checks.replaced_functions() == []
