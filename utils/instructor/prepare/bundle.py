"""The archive students download: the release and what it needs to run, never the answer key."""

from __future__ import annotations

import tarfile
from pathlib import Path

from utils.package_split import LITTER, student_files

from ..paths import ROOT

#: What goes in besides the student's package (``utils.package_split.student_files``: ``utils`` without
#: ``utils/instructor``, the answer key, the judge and the instructor's tools), relative to the repository root.
INCLUDED = ["course", "data", "pyproject.toml", "environment.yml"]

#: Put at the bundle's root in place of the repository's own README and Makefile.
STUDENT_FILES = {"README.md": ROOT / "student" / "README.md", "Makefile": ROOT / "student" / "Makefile"}


def _shippable(path: Path) -> bool:
    return not (set(path.relative_to(ROOT).parts) & set(LITTER)) and path.suffix not in (".pyc", ".db")


def bundle_files() -> list[Path]:
    files = list(student_files())
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

    with tarfile.open(archive, "w:gz") as tar:
        for path in bundle_files():
            tar.add(path, arcname=f"{name}/{path.relative_to(ROOT)}", recursive=False)
        for arcname, path in STUDENT_FILES.items():
            tar.add(path, arcname=f"{name}/{arcname}", recursive=False)
    log(f"wrote {archive} ({archive.stat().st_size / 1e6:.1f} MB, {len(bundle_files()) + len(STUDENT_FILES)} files)")
    return archive
