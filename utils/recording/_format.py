"""The record a hidden test leaves: numbers and text in an ``.npz``, which cannot carry code.

A record holds, for each case of one test cell, what the student's function
returned (as float64 arrays) or how it failed, and the problems the watch
noticed. It travels from the grading kernel to the judge as a display output of
the test cell (base64 of the ``.npz`` bytes), so the kernel needs no writable
folder that the grader reads. The judge reads it with ``allow_pickle=False``
and refuses one that is too large, malformed, or for another test cell.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile

import numpy as np

MIME = "application/vnd.xai-course.record+json"
#: Generous for the largest record (a few 3×224×224 maps): refuse anything bigger unread.
MAX_BYTES = 64 * 2 ** 20


class MalformedRecord(ValueError):
    """A record the judge cannot read: it scores 0, with this message."""


def encode(grade_id: str, cases: list[dict], arrays: dict[str, np.ndarray]) -> bytes:
    """``cases``: JSON-able descriptions, one per case; ``arrays``: named float64 arrays."""
    buffer = io.BytesIO()
    meta = json.dumps({"grade_id": grade_id, "cases": cases})
    np.savez(buffer, __meta__=np.array(meta), **arrays)
    return buffer.getvalue()


def as_output(data: bytes, grade_id: str) -> dict:
    """The display-data bundle that carries the record."""
    return {MIME: {"grade_id": grade_id, "npz": base64.b64encode(data).decode("ascii")}}


def decode(data: bytes, grade_id: str) -> tuple[list[dict], dict[str, np.ndarray]]:
    """(cases, arrays) from a record, checked to belong to ``grade_id``; MalformedRecord otherwise."""
    if len(data) > MAX_BYTES:
        raise MalformedRecord(f"the record is {len(data) / 2 ** 20:.0f} MB, more than any honest answer needs.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_BYTES:
                raise MalformedRecord("the record unpacks to more data than any honest answer needs.")
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        meta = json.loads(str(arrays.pop("__meta__")))
    except MalformedRecord:
        raise
    except Exception as error:  # noqa: BLE001 (anything unreadable is malformed)
        raise MalformedRecord(f"the record could not be read ({type(error).__name__}).") from None
    if not isinstance(meta, dict) or meta.get("grade_id") != grade_id or not isinstance(meta.get("cases"), list):
        raise MalformedRecord("the record does not belong to this test cell.")
    for name, array in arrays.items():
        if array.dtype.kind not in "fiub":
            raise MalformedRecord(f"the record's {name!r} is not numeric.")
    return meta["cases"], arrays


def from_output(payload, grade_id: str) -> tuple[list[dict], dict[str, np.ndarray]]:
    """Decode the display-data payload written by :func:`as_output`."""
    if not isinstance(payload, dict) or not isinstance(payload.get("npz"), str):
        raise MalformedRecord("the record is not in the expected form.")
    if len(payload["npz"]) > MAX_BYTES * 4 // 3 + 4:
        raise MalformedRecord("the record is larger than any honest answer needs.")
    try:
        data = base64.b64decode(payload["npz"], validate=True)
    except ValueError:
        raise MalformedRecord("the record is not valid base64.") from None
    return decode(data, grade_id)
