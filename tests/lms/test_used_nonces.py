"""A launch's nonce logs in once (``hub/used_nonces.py``), and is forgotten once its token has expired anyway."""

from __future__ import annotations

import time

from utils.instructor.hub.used_nonces import UsedNonces


def test_a_nonce_is_spent_once_and_remembered_by_a_new_ledger_on_the_same_file(tmp_path):
    ledger = UsedNonces(tmp_path / "hub" / "nonces.json")
    assert ledger.spend("n1", time.time() + 600)
    assert not ledger.spend("n1", time.time() + 600)
    assert not UsedNonces(tmp_path / "hub" / "nonces.json").spend("n1", time.time() + 600)  # a restarted hub
    assert ledger.spend("n2", time.time() - 1)      # already expired: accepted once, then dropped
    assert ledger.spend("n3", time.time() + 600)
    assert "n2" not in (tmp_path / "hub" / "nonces.json").read_text()
