"""Naming the likely mistake: a result that equals what a classic mistake gives, within a relative L2
distance ‖a − b‖₂ / ‖b‖₂ of 1e-4, is explained by that mistake.

The visible checks run small models whose right answer is known in closed form, so each mistake's result
is known too. They never run the course's answer key: the expected values come from the formulas in the
notebooks' markdown.
"""

from __future__ import annotations

from utils.properties import relative_l2


_MATCH = 1e-4  # relative L2 distance under which two results count as the same


def _likely_mistake(actual, candidates: dict) -> str | None:
    """The explanation of the first candidate result that ``actual`` equals (within 1e-4), if any."""
    for value, explanation in candidates.values():
        if relative_l2(actual, value) < _MATCH:
            return explanation
    return None
