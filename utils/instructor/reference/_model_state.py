"""Run a model in eval mode and give it back exactly as it was."""

from __future__ import annotations

import contextlib

from torch import nn


@contextlib.contextmanager
def evaluating(model: nn.Module):
    """Put every sub-module in eval mode; restore each one's own mode on exit.

    Restoring per module matters: a model may be deliberately half in train mode
    (e.g. frozen batch norm), and ``model.train(previous)`` would flatten that.
    """
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield model
    finally:
        for module, was_training in modes:
            module.training = was_training
