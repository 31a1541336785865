"""One boundary between the student's package (utils/) and the instructor's (utils/instructor/), read by the three
places that keep them apart: the student bundle, the grading sandbox's view, and the call watcher."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from utils.instructor.grading.worker.sandbox import bwrap_command, private_ipc_dir
from utils.instructor.prepare.bundle import bundle_files
from utils.package_split import INSTRUCTOR_PACKAGE, STUDENT_PACKAGE, student_files
from utils.calling import watched_sources

from tests.import_graph import import_graph, modules

REPOSITORY = STUDENT_PACKAGE.parent


def relative(paths) -> set[str]:
    return {str(p.relative_to(REPOSITORY)) for p in paths}


def test_the_split_is_utils_without_utils_instructor():
    files = relative(student_files())
    assert "utils/models.py" in files and "utils/checks/__init__.py" in files and "utils/recording/stage01.py" in files
    assert not [f for f in files if f.startswith("utils/instructor/") or "__pycache__" in f]
    instructor = relative(p for p in INSTRUCTOR_PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
    assert "utils/instructor/reference/vanilla_gradients.py" in instructor
    python_files = relative(p for p in STUDENT_PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
    assert python_files == {f for f in files if f.endswith(".py")} | instructor, "a file belongs to neither package"


def test_the_bundle_ships_exactly_the_student_package_of_utils():
    shipped = {f for f in relative(bundle_files()) if f.startswith("utils/")}
    assert shipped == relative(student_files())


def test_the_sandbox_shows_exactly_the_student_package_of_utils():
    listing = ("import json, os, sys\n"
               "root = sys.argv[1]\n"
               "print(json.dumps(sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs)))")
    ipc_dir = private_ipc_dir()
    try:
        done = subprocess.run(bwrap_command([sys.executable, "-c", listing, str(STUDENT_PACKAGE)], ipc_dir),
                              capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(ipc_dir, ignore_errors=True)
    assert done.returncode == 0, done.stderr
    seen = {f for f in json.loads(done.stdout) if "__pycache__" not in f and not f.endswith(".pyc")}
    assert seen == {str(p) for p in student_files()}


def test_the_watcher_watches_the_instructor_package():
    assert watched_sources()["the answer key and grader (utils.instructor)"] == str(INSTRUCTOR_PACKAGE)


def test_nothing_in_the_student_package_imports_the_instructor_package():
    """In a grading kernel the instructor's package is an empty folder: an import of it would fail there."""
    graph = import_graph()
    student = [name for name, (path, _) in modules().items() if path in set(student_files())]
    assert len(student) > 30
    offenders = {name: sorted(edge for edge in graph[name] if edge.startswith("utils.instructor")) for name in student}
    assert {name: edges for name, edges in offenders.items() if edges} == {}
