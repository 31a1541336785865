"""nbgrader's exchange, laid out so that a student reaches their own hand-ins and feedback and nobody else's.

nbgrader's own layout keeps every hand-in of a course in one ``inbound/`` folder that all students
may write (and its feedback in one ``feedback/`` folder named by hashes): a student can list, read
or overwrite a classmate's hand-in (nbgrader #978, #1225). Here the host keeps one folder per student::

    <exchange root>/xai-gradients/            root, 0755
        outbound/<stage>/…                    root, 0755: the released notebooks, readable by all
        inbound/<student>/                    the student, 0700: their hand-ins, nbgrader's names
            <student>+<stage>+<timestamp>+<random>/{<stage>.ipynb, timestamp.txt, submission_secret.txt}
        feedback/<student>/                   root:the student's group, 0750: their pages, nbgrader's names
            <hash>.html

and a student's server (``student_sandbox``) sees exactly nbgrader's usual layout: ``outbound`` read-only,
their own ``inbound/<student>`` as ``inbound`` and their own ``feedback/<student>`` (read-only) as
``feedback``, so nbgrader's unmodified fetch, submit, list and fetch_feedback work in the Assignments tab.
The instructor's side: :class:`PerStudentReleaseFeedback` (nbgrader's release_feedback into the student's
folder, used by ``make feedback`` and formgrader's button) and :meth:`ClassExchange.hand_ins` (read by
``make collect``).
"""

from __future__ import annotations

import datetime as dt
import glob
import os
import re
from dataclasses import dataclass
from pathlib import Path

from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback

from .settings import COURSE_ID, EXCHANGE_IN_SANDBOX

#: nbgrader's name of one hand-in folder: ``<student>+<assignment>+<timestamp>[+<random>]``.
HAND_IN_NAME = re.compile(r"^(?P<student>[^+]+)\+(?P<stage>[^+]+)\+(?P<timestamp>[^+]+)(\+(?P<random>[^+]+))?$")


@dataclass(frozen=True)
class HandIn:
    """One folder a student's submit left in their inbound folder."""

    folder_of: str          # whose inbound folder holds it (the one who handed it in)
    named: str              # the student its name says (nbgrader writes the submitter's own id)
    stage: str
    timestamp: dt.datetime  # naive UTC, from timestamp.txt (nbgrader writes it at submit)
    path: Path
    owner_uid: int
    size: int               # bytes, all files

    @property
    def secret(self) -> str | None:
        """nbgrader's submission secret: the student's fetch_feedback finds the page named by it."""
        path = self.path / "submission_secret.txt"
        return path.read_text() if path.is_file() else None


@dataclass(frozen=True)
class StudentMount:
    host: Path
    sandbox: str
    writable: bool


class ClassExchange:
    """The course's exchange on this machine, under ``root`` (the hub's ``CourseHub.exchange_root``)."""

    def __init__(self, root, course_id: str = COURSE_ID):
        self.root = Path(root)
        self.course_id = course_id

    @property
    def course_path(self) -> Path:
        return self.root / self.course_id

    @property
    def outbound(self) -> Path:
        return self.course_path / "outbound"

    def inbound_of(self, student: str) -> Path:
        return self.course_path / "inbound" / student

    def feedback_of(self, student: str) -> Path:
        return self.course_path / "feedback" / student

    def prepare(self) -> None:
        """The course's folders, owned by the instructor (root), readable but not writable by students."""
        for folder in (self.root, self.course_path, self.outbound, self.course_path / "inbound",
                       self.course_path / "feedback"):
            folder.mkdir(parents=True, exist_ok=True)
            folder.chmod(0o755)

    def open_for(self, student: str, uid: int, gid: int) -> None:
        """The student's own inbound (theirs alone) and feedback (written by the instructor, read by them)."""
        self.prepare()
        inbound, feedback = self.inbound_of(student), self.feedback_of(student)
        inbound.mkdir(exist_ok=True)
        os.chown(inbound, uid, gid)
        inbound.chmod(0o700)
        feedback.mkdir(exist_ok=True)
        os.chown(feedback, 0, gid)
        feedback.chmod(0o750)

    def student_mounts(self, student: str) -> list[StudentMount]:
        """What a student's server sees of the exchange, at nbgrader's usual paths."""
        inside = f"{EXCHANGE_IN_SANDBOX}/{self.course_id}"
        return [StudentMount(self.outbound, f"{inside}/outbound", False),
                StudentMount(self.inbound_of(student), f"{inside}/inbound", True),
                StudentMount(self.feedback_of(student), f"{inside}/feedback", False)]

    def hand_ins(self) -> list[HandIn]:
        """Every hand-in folder in every student's inbound folder (what ``make collect`` reads)."""
        from nbgrader.utils import parse_utc

        found = []
        inbound = self.course_path / "inbound"
        if not inbound.is_dir():
            return found
        for student_folder in sorted(p for p in inbound.iterdir() if p.is_dir()):
            for folder in sorted(p for p in student_folder.iterdir() if p.is_dir()):
                match = HAND_IN_NAME.match(folder.name)
                if not match:
                    continue
                stamp = folder / "timestamp.txt"
                try:
                    when = parse_utc(stamp.read_text().strip()) if stamp.is_file() else parse_utc(match["timestamp"])
                except ValueError:
                    when = dt.datetime.fromtimestamp(folder.stat().st_mtime, dt.timezone.utc)
                size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
                found.append(HandIn(student_folder.name, match["student"], match["stage"],
                                    when.astimezone(dt.timezone.utc).replace(tzinfo=None), folder,
                                    folder.stat().st_uid, size))
        return found


class PerStudentReleaseFeedback(ExchangeReleaseFeedback):
    """nbgrader's ``release_feedback``, each page written into ``feedback/<student>/`` instead of one shared folder.

    Set as ``c.ExchangeFactory.release_feedback`` for the instructor (``jupyter_config``), so formgrader's
    button does the same as ``make feedback``. The page's name is nbgrader's (the hash of the hand-in's
    secret and the notebook's name), which the student's unmodified fetch_feedback looks for."""

    def init_dest(self):
        super().init_dest()
        self.feedback_root = self.dest_path

    def copy_files(self):
        pattern = self.coursedir.format_path(self.coursedir.feedback_directory, "*", self.coursedir.assignment_id)
        requested = self.coursedir.student_id if self.coursedir.student_id not in ("", "*") else None
        for folder in sorted(Path(p) for p in glob.glob(pattern)):
            student = folder.parent.name
            if requested and student != requested:
                continue
            own = Path(self.feedback_root) / student
            if not own.is_dir():
                self.log.warning("No exchange folder for %s (they have not started their server on the hub): "
                                 "feedback not released to them", student)
                continue
            self.src_path, self.dest_path = str(folder), str(own)
            self.coursedir.student_id = student
            try:
                super().copy_files()
            finally:
                self.coursedir.student_id = requested or "*"
        for page in Path(self.feedback_root).glob("*/*.html"):
            os.chown(page, 0, page.parent.stat().st_gid)
            page.chmod(0o640)
