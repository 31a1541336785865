"""The tool's key pairs (``lms/tool_keys.py``): owner-only files, a JWKS with no private part, a roll that keeps the
old key published, a retire that refuses the key that signs."""

from __future__ import annotations

import stat

import jwt
import pytest

from utils.instructor.lms.tool_keys import ToolKeyError, ToolKeys


def test_the_first_key_is_made_owner_only_and_its_jwks_verifies_what_it_signs(tmp_path):
    keys = ToolKeys(tmp_path / "lms" / "keys")
    key = keys.current()
    assert stat.S_IMODE(keys.folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((keys.folder / f"{key.kid}.pem").stat().st_mode) == 0o600
    [public] = keys.jwks()["keys"]
    assert public["kid"] == key.kid and public["alg"] == "RS256" and public["use"] == "sig"
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(public)  # no private part
    signed = jwt.encode({"iss": "tool"}, key.private_pem, algorithm="RS256", headers={"kid": key.kid})
    verifier = jwt.PyJWK(public).key
    assert jwt.decode(signed, verifier, algorithms=["RS256"]) == {"iss": "tool"}
    assert keys.current() == key  # no second key while one exists


def test_a_roll_signs_with_the_new_key_and_keeps_the_old_one_published_until_retired(tmp_path):
    keys = ToolKeys(tmp_path)
    old = keys.current()
    new = keys.roll()
    assert keys.current() == new and new.kid > old.kid
    assert [k["kid"] for k in keys.jwks()["keys"]] == [old.kid, new.kid]
    with pytest.raises(ToolKeyError, match="the key that signs; roll a new one first"):
        keys.retire(new.kid)
    with pytest.raises(ToolKeyError, match="no key 'nope'"):
        keys.retire("nope")
    keys.retire(old.kid)
    assert [k["kid"] for k in keys.jwks()["keys"]] == [new.kid]
