"""The archive students download: the release and what it needs to run, never the answer key."""

from __future__ import annotations

import tarfile
from pathlib import Path

from .paths import ROOT

#: What goes in, relative to the repository root (directories recursively): ``utils`` is everything a
#: student or a grading kernel imports, all of it but ``utils/instructor`` (the sandbox shows the same).
INCLUDED = ["course", "data", "utils", "pyproject.toml", "environment.yml"]
#: Never shipped: the answer key, the judge and the instructor's tools live under utils/instructor.
EXCLUDED_PARTS = {"instructor", "solutions", "tests", "__pycache__", ".ipynb_checkpoints"}

STUDENT_README = """# Gradient-based explainability for PyTorch image models — student edition

Set up and open the course (needs Python 3.10+ and make):

    make lab

The first run creates `.venv` and installs the pinned packages. Work through the
notebooks in `course/` in order, from 01 to 07. Fill in the cells marked
`# YOUR CODE HERE`, run the test cell after each exercise, and hand in the notebooks
as your instructor asks. Everything runs offline.
"""

STUDENT_MAKEFILE = """PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: lab install
$(STAMP): pyproject.toml
\t@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
\t$(BIN)/python -m pip install --quiet --upgrade pip
\t$(BIN)/python -m pip install --quiet -e .
\t@touch $(STAMP)

install: $(STAMP)

lab: $(STAMP)
\t$(BIN)/jupyter lab --notebook-dir=course $$([ \"$$(id -u)\" = 0 ] && echo --allow-root)
"""


def _shippable(path: Path) -> bool:
    return not (set(path.relative_to(ROOT).parts) & EXCLUDED_PARTS) and path.suffix not in (".pyc", ".db")


def bundle_files() -> list[Path]:
    files = []
    for name in INCLUDED:
        path = ROOT / name
        if path.is_dir():
            files.extend(p for p in sorted(path.rglob("*")) if p.is_file() and _shippable(p))
        elif path.is_file():
            files.append(path)
    return files


def build_student_bundle(out_dir: Path = ROOT / "dist", name: str = "xai-course-student", log=print) -> Path:
    """Write ``<out_dir>/<name>.tar.gz``: course/, data/, the student-facing utils, set-up files."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    archive = out_dir / f"{name}.tar.gz"

    def add_text(tar, arcname, text):
        import io

        data = text.encode()
        info = tarfile.TarInfo(f"{name}/{arcname}")
        info.size = len(data)
        info.mode = 0o644
        tar.addfile(info, io.BytesIO(data))

    with tarfile.open(archive, "w:gz") as tar:
        for path in bundle_files():
            tar.add(path, arcname=f"{name}/{path.relative_to(ROOT)}", recursive=False)
        add_text(tar, "README.md", STUDENT_README)
        add_text(tar, "Makefile", STUDENT_MAKEFILE)
    log(f"wrote {archive} ({archive.stat().st_size / 1e6:.1f} MB, {len(bundle_files()) + 2} files)")
    return archive
