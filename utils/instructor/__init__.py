"""Instructors' tools around nbgrader: release, student bundle, collect, autograde,
grades and feedback (``python -m utils.instructor --help``; the Makefile wraps them).

nbgrader does the work; these modules only wire its commands to the course's
layout and make a class's submissions safe to grade in one go.
"""

import os as _os
import sys as _sys

# nbgrader runs helper programs by name (alembic to migrate the gradebook, even
# from its Python API): make this interpreter's bin directory win on PATH.
_bin = _os.path.dirname(_sys.executable)
if _bin not in _os.environ.get("PATH", "").split(_os.pathsep):
    _os.environ["PATH"] = _bin + _os.pathsep + _os.environ.get("PATH", "")
