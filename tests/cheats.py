"""Submissions that break the rules, built around an honest solution: the stand-ins every stage's grading tests use.

Each wrapper takes a correct function ``solution(model, x, ...)`` (model first, the
input second, as every method of the course) and returns one that does the same
work plus the one thing the grader must notice. The judge has to fail each with
its own message, whatever the stage.
"""

from __future__ import annotations

import importlib

import torch


def stub(*args, **kwargs):
    """A function the student has not written yet."""
    raise NotImplementedError()


def calls_the_answer_key(name: str, pick=lambda result: result):
    """The answer key's ``name`` called in place of the student's own work (``pick`` adapts its result)."""
    def cheat(*args, **kwargs):
        reference = importlib.import_module("utils.instructor.reference")
        return pick(getattr(reference, name)(*args, **kwargs))

    return cheat


def leaves_a_hook(solution):
    """``solution``, after registering a forward hook on the model that it never removes."""
    def cheat(model, *args, **kwargs):
        model.register_forward_hook(lambda *hook_args: None)
        return solution(model, *args, **kwargs)

    return cheat


def mutates_the_model(solution):
    """``solution``, after scaling the model's first parameter in place."""
    def cheat(model, *args, **kwargs):
        with torch.no_grad():
            next(model.parameters()).mul_(1.0001)
        return solution(model, *args, **kwargs)

    return cheat


def mutates_the_input(solution):
    """``solution``, then the input it was given set to zero in place."""
    def cheat(model, input_tensor, *args, **kwargs):
        result = solution(model, input_tensor, *args, **kwargs)
        result = result.detach().clone() if isinstance(result, torch.Tensor) else result
        input_tensor.mul_(0)
        return result

    return cheat
