"""Results of slow computations, kept by what they were computed from."""

from __future__ import annotations

from typing import Callable, Hashable


class ResultCache:
    """A dict of results keyed by e.g. (image, class, method, parameters), with hit counts.

    Errors are cached too: a method that raised for some settings shows the same
    message again without being re-run.
    """

    def __init__(self):
        self._store: dict = {}
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, compute: Callable):
        if key in self._store:
            self.hits += 1
            return self._store[key]
        self.misses += 1
        value = self._store[key] = compute()
        return value
