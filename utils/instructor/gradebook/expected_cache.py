"""The expected values' cache (``judge/expected.py`` computes them, once per cache key): one ``.npz`` per stage
and key, written atomically (a reader never sees half of it), read back as (facts, arrays)."""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path


def read_expected(path: Path) -> tuple[dict, dict] | None:
    """({grade_id: [case facts]}, {"grade_id/i/name": array}) kept at ``path``; None when nothing is kept."""
    import numpy as np

    if not path.exists():
        return None
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    return json.loads(str(arrays.pop("__facts__"))), arrays


def write_expected(path: Path, facts: dict, arrays: dict) -> None:
    """Keep ``facts`` and ``arrays`` at ``path``."""
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.savez(buffer, __facts__=np.array(json.dumps(facts)), **arrays)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as handle:
        handle.write(buffer.getvalue())
    os.replace(handle.name, path)
