"""Where the course keeps things (nbgrader's directories, relative to the repository root)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "solutions"
RELEASE = ROOT / "course"
SUBMITTED = ROOT / "submitted"
AUTOGRADED = ROOT / "autograded"
FEEDBACK = ROOT / "feedback"
GRADEBOOK = ROOT / "gradebook.db"
GRADES_CSV = ROOT / "grades.csv"
DIST = ROOT / "dist"


def stages() -> list[str]:
    """The assignments, in order: every ``solutions/NN_name/NN_name.ipynb``."""
    return sorted(p.parent.name for p in SOURCE.glob("*/*.ipynb") if p.stem == p.parent.name)
