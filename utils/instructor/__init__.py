"""Instructors' tools around nbgrader (``python -m utils.instructor --help``; the Makefile wraps them).

Never shipped to students, invisible to grading kernels. The folders follow a term:

    prepare/     before the term: the student release, the student bundle, the demonstration cells
    intake/      after a deadline: collect the LMS's download, the roster, which stage a notebook is
    grading/     autograde: Dask workers, nbgrader in-process, the sandboxed kernel, typed reports
    gradebook/   the one writer of the gradebook and autograded/
    results/     grades, LMS exports, feedback pages, the class report
    reference/   the answer key;  judge/  decides every test cell from its record
    tools/       benchmarks, the GPU check, the demo class;  commands/  one module per command

nbgrader does the work; these modules wire its commands to the course's layout and
make a class's submissions safe to grade in one go.
"""

import os as _os
import sys as _sys

# nbgrader runs helper programs by name (alembic to migrate the gradebook, even
# from its Python API): make this interpreter's bin directory win on PATH.
_bin = _os.path.dirname(_sys.executable)
if _bin not in _os.environ.get("PATH", "").split(_os.pathsep):
    _os.environ["PATH"] = _bin + _os.pathsep + _os.environ.get("PATH", "")
