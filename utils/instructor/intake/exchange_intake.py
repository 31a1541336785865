"""Hand-ins from the hub's exchange, as candidates for ``collect`` (``make collect`` with no SUBMISSIONS).

Each hand-in is one folder nbgrader's submit left in the student's own inbound folder
(``hub/exchange.py``). It becomes one candidate per notebook in it, timestamped with nbgrader's
``timestamp.txt`` and carrying nbgrader's submission secret (so the student's Assignments tab
finds the feedback later). Refused, with the reason in the collect report, and kept in the
exchange for the instructor to look at:

* a folder whose name names another student than the one whose inbound folder holds it
  (a hand-in forged in a classmate's name), or not owned by that student's system account;
* a hand-in larger than ``CourseHub.max_handin_mb``;
* a hand-in with no notebook in it (an empty submission).
"""

from __future__ import annotations

import pwd
from pathlib import Path

from ..hub.exchange import ClassExchange, HandIn


def refusal(hand_in: HandIn, max_bytes: int) -> str | None:
    """Why ``hand_in`` is not collected (None: it is)."""
    if hand_in.named != hand_in.folder_of:
        return (f"handed in by {hand_in.folder_of} in the name of {hand_in.named}; refused (a hand-in counts only "
                "for the student who handed it in)")
    try:
        uid = pwd.getpwnam(hand_in.folder_of).pw_uid
    except KeyError:
        uid = None
    if uid is not None and hand_in.owner_uid != uid:
        return f"the folder {hand_in.path.name} is not owned by {hand_in.folder_of}'s account; refused"
    if hand_in.size > max_bytes:
        return (f"{hand_in.size / 2**20:.0f} MB handed in, more than the {max_bytes / 2**20:.0f} MB a hand-in may be; "
                "refused: hand in the notebook alone (clear large outputs)")
    if not notebooks(hand_in):
        return "the hand-in holds no notebook (an empty submission); nothing to grade"
    return None


def notebooks(hand_in: HandIn) -> list[Path]:
    return sorted(p for p in hand_in.path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def exchange_hand_ins(exchange: ClassExchange, max_bytes: int,
                      only_stage: str | None = None) -> tuple[list[tuple[HandIn, Path]], list]:
    """(hand-in, notebook) pairs to collect, and (who, file, reason) for those refused; ``only_stage``: the hand-ins
    nbgrader's submit filed under that stage."""
    accepted, refused = [], []
    for hand_in in exchange.hand_ins():
        if only_stage and hand_in.stage != only_stage:
            continue
        why = refusal(hand_in, max_bytes)
        if why:
            refused.append((hand_in.folder_of, hand_in.path.name, why))
        else:
            accepted.extend((hand_in, notebook) for notebook in notebooks(hand_in))
    return accepted, refused
