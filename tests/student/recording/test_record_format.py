"""The record a grading kernel hands the judge cannot carry code, and the judge refuses one it cannot trust.

Also: the expected values the judge compares with are recomputed when the answer key changes.
"""

from __future__ import annotations

import base64
import io
import pickle
import zipfile

import numpy as np
import pytest

from utils.recording import _format
from utils.recording._format import MalformedRecord, as_output, decode, encode, from_output

GRADE_ID = "test_vanilla_gradients_hidden_mnist"


def payload(data: bytes) -> dict:
    return as_output(data, GRADE_ID)[_format.MIME]


def test_an_honest_record_round_trips():
    arrays = {"c0": np.arange(6, dtype=np.float64).reshape(2, 3)}
    cases, decoded = from_output(payload(encode(GRADE_ID, [{"kind": "tensor"}], arrays)), GRADE_ID)
    assert cases == [{"kind": "tensor"}]
    np.testing.assert_array_equal(decoded["c0"], arrays["c0"])


def test_a_record_for_another_test_cell_is_refused():
    """A record copied from another cell (whose answer may be easier) does not count here."""
    data = encode("test_vanilla_gradients_form", [{"kind": "tensor"}], {"c0": np.zeros(3)})
    with pytest.raises(MalformedRecord, match="does not belong to this test cell"):
        decode(data, GRADE_ID)


class WritesAFile:
    """Unpickling this runs code: it would create ``path``."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


def test_a_pickled_object_in_a_record_is_never_unpickled(tmp_path):
    target = tmp_path / "unpickled"
    buffer = io.BytesIO()
    np.savez(buffer, __meta__=np.array('{"grade_id": "%s", "cases": []}' % GRADE_ID),
             c0=np.array([WritesAFile(target)], dtype=object))
    with pytest.raises(MalformedRecord, match="could not be read"):
        decode(buffer.getvalue(), GRADE_ID)
    assert not target.exists(), "the judge ran code from a record"
    # a raw pickle in place of the .npz is not read either
    with pytest.raises(MalformedRecord, match="could not be read"):
        decode(pickle.dumps(WritesAFile(target)), GRADE_ID)
    assert not target.exists()


def test_an_oversized_record_is_refused_unread(monkeypatch):
    monkeypatch.setattr(_format, "MAX_BYTES", 4096)
    data = encode(GRADE_ID, [{"kind": "tensor"}], {"c0": np.random.default_rng(0).random(2048)})
    with pytest.raises(MalformedRecord, match="more than any honest answer needs"):
        decode(data, GRADE_ID)
    with pytest.raises(MalformedRecord, match="larger than any honest answer needs"):
        from_output(payload(data), GRADE_ID)


def test_a_record_that_unpacks_to_too_much_is_refused():
    """A zip bomb: small on the wire, more than MAX_BYTES once unpacked."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("c0.npy", b"\0" * (_format.MAX_BYTES + 1))
    assert len(buffer.getvalue()) < _format.MAX_BYTES // 100
    with pytest.raises(MalformedRecord, match="unpacks to more data"):
        decode(buffer.getvalue(), GRADE_ID)


@pytest.mark.parametrize("bad, message", [
    ({"grade_id": GRADE_ID, "npz": "not base64 at all!"}, "not valid base64"),
    ({"grade_id": GRADE_ID, "npz": base64.b64encode(b"PK\x03\x04 garbage").decode()}, "could not be read"),
    ({"grade_id": GRADE_ID}, "not in the expected form"),
    ("a string", "not in the expected form"),
], ids=["bad base64", "not a zip", "no npz", "not a dict"])
def test_a_malformed_payload_is_refused(bad, message):
    with pytest.raises(MalformedRecord, match=message):
        from_output(bad, GRADE_ID)


def test_text_where_numbers_belong_is_refused():
    data = encode(GRADE_ID, [{"kind": "tensor"}], {"c0": np.array(["import os"])})
    with pytest.raises(MalformedRecord, match="is not numeric"):
        decode(data, GRADE_ID)


def test_the_judge_scores_a_malformed_record_zero_with_its_reason():
    from utils.instructor.judge import judge_payload

    verdict = judge_payload(GRADE_ID, b"garbage", facts={}, expected={})
    assert verdict.outcome == "missing_record" and verdict.mistake is None
    assert verdict.message.startswith("The hidden test's record is unusable") and "could not be read" in verdict.message


# --- the expected values follow the answer key ---------------------------------------------------------

def test_the_expected_values_are_recomputed_when_the_answer_key_changes(tmp_path, monkeypatch):
    """The cache key hashes the answer key's files: an edited answer key means new expected values, computed
    again, never stale ones from the cache."""
    import shutil

    from utils.instructor.judge import expected

    fake_utils = tmp_path / "utils"
    shutil.copytree(expected.UTILS, fake_utils, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(expected, "UTILS", fake_utils)
    monkeypatch.setattr(expected, "cache_dir", lambda: tmp_path / "cache")
    computed = []

    def compute(stage):
        computed.append(stage)
        return {"test_x": [{"what": f"computation {len(computed)}"}]}, {"test_x/0/value": np.zeros(2)}

    monkeypatch.setattr(expected, "compute", compute)
    first, _ = expected.load("04_baselines")
    again, _ = expected.load("04_baselines")
    assert computed == ["04_baselines"] and again == first, "the cached values were not reused"

    answer_key = fake_utils / "instructor" / "reference" / "baselines.py"
    answer_key.write_text(answer_key.read_text().replace("BLUR_SIGMA = 10.0", "BLUR_SIGMA = 9.0"))
    changed, _ = expected.load("04_baselines")
    assert computed == ["04_baselines", "04_baselines"], "an edited answer key reused the old expected values"
    assert changed["test_x"][0]["what"] == "computation 2"
    assert len(list((tmp_path / "cache").glob("04_baselines-*.npz"))) == 2
