"""Which LMS download a kept hand-in came from, and the name the LMS gave it there: recorded by collect, read back
when the feedback goes back to that LMS in one bulk upload (``results/feedback_lms_zips.py``).

Canvas and Moodle take feedback files back only under the names of their own downloads (Canvas finds the student
and the submitted file by the ids in the file name, Moodle the participant by the id in the folder name), and a
student's id in this course does not say them. So when collect keeps a hand-in that came from a Canvas or Moodle
download, it writes beside the notebook::

    submitted/<student>/<stage>/lms_origin.json
        {"lms": "Canvas", "downloaded_as": "smithjane_late_12345_678950_01_vanilla_gradients-1.ipynb"}
        {"lms": "Moodle", "downloaded_as": "Jane Smith_1234567_assignsubmission_file_"}

``downloaded_as`` is the file (Canvas; Moodle without folders) or folder (Moodle) name exactly as the download had
it. A hand-in from anywhere else (a student's folder or zip, nbgrader's attempt names) has no such file. The file
lives and dies with the hand-in: collecting a stage again replaces the whole folder. Grading may copy it along to
``autograded/`` and ``feedback/`` like any file beside a notebook (nbgrader's exchange hands students only the
feedback's .html); it holds only the student's own name and ids in the LMS, and is read from ``submitted/``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .lms_names import CANVAS, MOODLE, LmsName

FILE_NAME = "lms_origin.json"


class UnreadableLmsOrigin(ValueError):
    """``lms_origin.json`` is not what collect writes; collecting the download again rewrites it."""


@dataclass(frozen=True)
class LmsOrigin:
    """The LMS (``CANVAS`` or ``MOODLE``) a hand-in was downloaded from, and its file or folder name there."""

    lms: str
    downloaded_as: str


def record_origin(folder: Path, submitter: LmsName | None) -> None:
    """Write ``folder/lms_origin.json`` when ``submitter`` was read from a Canvas or Moodle download name."""
    if submitter is None or submitter.lms not in (CANVAS, MOODLE) or not submitter.downloaded_as:
        return
    (folder / FILE_NAME).write_text(json.dumps({"lms": submitter.lms, "downloaded_as": submitter.downloaded_as}))


def read_origin(folder: Path) -> LmsOrigin | None:
    """The origin collect recorded in ``folder`` (a ``submitted/``, ``autograded/`` or ``feedback/`` stage folder),
    or None for a hand-in that did not come from a Canvas or Moodle download."""
    path = folder / FILE_NAME
    if not path.exists():
        return None
    try:
        recorded = json.loads(path.read_text())
        origin = LmsOrigin(recorded["lms"], recorded["downloaded_as"])
    except (ValueError, KeyError, TypeError) as error:
        raise UnreadableLmsOrigin(f"{path} is not a record collect wrote ({error}): collect the LMS download "
                                  "again (make collect SUBMISSIONS=...), which rewrites it") from error
    if origin.lms not in (CANVAS, MOODLE) or not origin.downloaded_as:
        raise UnreadableLmsOrigin(f"{path} names LMS {origin.lms!r} and download name {origin.downloaded_as!r}; "
                                  f"collect writes {CANVAS!r} or {MOODLE!r} and a name: collect the download again")
    return origin
