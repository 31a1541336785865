"""Who handed in a file, read from the names Canvas, Moodle and nbgrader's zip_collect give downloads.

**Canvas**, "Download Submissions" (``ContentZipper#add_upload_submission`` and
``#get_filename`` in canvas-lms): one flat file per uploaded file, nothing else::

    <name>[_late]_<user id>_<file id>_<file name as uploaded>
    smithjane_12345_678901_01_vanilla_gradients.ipynb
    smithjane_late_12345_678902_01_vanilla_gradients-1.ipynb

``<name>`` is the student's sortable name ("Smith, Jane") with everything but letters,
digits and ``_`` removed, lower-cased; ``late`` marks a hand-in after the due date;
``<user id>`` is Canvas's id of the student (the ``ID`` column of Canvas's gradebook
export), stable for the whole course; ``<file id>`` is Canvas's id of the uploaded
file, numbered in upload order, so a larger one was uploaded later. The name carries
no time. When a student uploads a file name again Canvas appends ``-1``, ``-2`` to it
(``01_vanilla_gradients-1.ipynb``); that stays part of the uploaded file name. With
anonymous grading the ``<name>`` part is left out (``late_12345_678901_x.ipynb``).

**Moodle**, "Download all submissions" (``assign::download_submissions`` in
mod/assign/locallib.php) with "Download submissions in folders", the default since
Moodle 3.1: one folder per student and submission plugin, holding the files as uploaded::

    <Full Name>_<participant id>_assignsubmission_file_/<any names, any depth>
    Jane Smith_1234567_assignsubmission_file_/homework.ipynb
    Jane Smith_1234567_assignsubmission_onlinetext_/onlinetext.html     (online text: ignored)

and without folders flat files ``Jane Smith_1234567_assignsubmission_file_homework.ipynb``.
``<Full Name>`` is the name as Moodle prints it ("First Last"), with ``_`` turned into
spaces; with anonymous (blind) marking it is ``Participant``. The participant id is
Moodle's number for the student *in this assignment* (the grading worksheet's
``Identifier`` column, "Participant 1234567"), not the user id. No time in the name.

**nbgrader zip_collect style**: ``<anything>_<student id>_attempt_<timestamp>_<file>``,
e.g. ``ps1_jdoe_attempt_2026-11-20-12-00-00_01_vanilla_gradients.ipynb``; the student
id is used as it is, the timestamp orders attempts.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

CANVAS = "Canvas"
MOODLE = "Moodle"
ATTEMPT = "attempt"

_ATTEMPT = re.compile(r"^.*_(?P<student>[A-Za-z0-9\-]+)_attempt_(?P<timestamp>[0-9\-]+)_(?P<file>.+)$")
_MOODLE_FOLDER = re.compile(r"^(?P<name>.+)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_$")
_MOODLE_FILE = re.compile(r"^(?P<name>.+)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.+)$")
_CANVAS_FILE = re.compile(r"^(?:(?P<name>\w*?)_)??(?:(?P<late>late)_)?(?P<id>\d+)_(?P<file_id>\d+)_(?P<file>.+)$")
_COPY = re.compile(r"-(?P<copy>\d+)(?:\.[^.]+)?$")


@dataclass(frozen=True)
class LmsName:
    """What a download's file or folder name says about who handed it in.

    ``lms`` is CANVAS, MOODLE or ATTEMPT; ``who`` the name as written there (Canvas's
    squeezed sortable name, Moodle's full name, or the student id of an attempt name);
    ``lms_id`` Canvas's user id or Moodle's participant id (None for attempt names);
    ``file`` the file name as the student uploaded it ('' for a Moodle folder); ``downloaded_as`` the
    whole file or folder name this was read from, as the LMS wrote it (the name its bulk feedback upload
    expects back)."""

    lms: str
    who: str
    lms_id: str | None
    file: str
    late: bool = False
    file_id: int | None = None          # Canvas: upload order
    timestamp: dt.datetime | None = None  # attempt names
    plugin: str | None = None           # Moodle: 'file', 'onlinetext', ...
    downloaded_as: str = ""

    @property
    def label(self) -> str:
        """How messages name the submitter: ``smithjane (Canvas user 12345)``."""
        if self.lms == CANVAS:
            return f"{self.who or 'anonymous'} (Canvas user {self.lms_id})"
        if self.lms == MOODLE:
            return f"{self.who} (Moodle participant {self.lms_id})"
        return self.who

    @property
    def copy(self) -> int:
        """Canvas's ``-N`` on a re-uploaded file name (0 when there is none)."""
        match = _COPY.search(self.file)
        return int(match["copy"]) if match else 0


def _attempt_time(stamp: str) -> dt.datetime | None:
    digits = re.sub(r"\D", "", stamp)[:14].ljust(14, "0")
    try:
        return dt.datetime.strptime(digits, "%Y%m%d%H%M%S")
    except ValueError:
        return None


def parse_file_name(name: str) -> LmsName | None:
    """The submitter a flat download file is named after, or None for another name.

    >>> parse_file_name("smithjane_late_12345_678901_01_vanilla_gradients.ipynb").lms_id
    '12345'
    >>> parse_file_name("Jane Smith_1234567_assignsubmission_file_hw.ipynb").who
    'Jane Smith'
    >>> parse_file_name("my homework.ipynb") is None
    True
    """
    match = _ATTEMPT.match(name)
    if match:
        return LmsName(ATTEMPT, match["student"], None, match["file"], timestamp=_attempt_time(match["timestamp"]),
                       downloaded_as=name)
    match = _MOODLE_FILE.match(name)
    if match:
        return LmsName(MOODLE, match["name"].strip(), match["id"], match["file"], plugin=match["plugin"],
                       downloaded_as=name)
    match = _CANVAS_FILE.match(name)
    if match:
        return LmsName(CANVAS, match["name"] or "", match["id"], match["file"], late=bool(match["late"]),
                       file_id=int(match["file_id"]), downloaded_as=name)
    return None


def parse_folder_name(name: str) -> LmsName | None:
    """The Moodle submitter a download folder is named after, or None for another name.

    >>> parse_folder_name("Jane Smith_1234567_assignsubmission_file_").lms_id
    '1234567'
    >>> parse_folder_name("jdoe") is None
    True
    """
    match = _MOODLE_FOLDER.match(name)
    if match:
        return LmsName(MOODLE, match["name"].strip(), match["id"], "", plugin=match["plugin"], downloaded_as=name)
    return None
