"""The class list: who the students are, their names, and their ids in Canvas or Moodle.

    python -m utils.instructor roster students.csv      # import (or update) the roster
    python -m utils.instructor roster                   # list the gradebook's students

The file is nbgrader's own ``nbgrader db student import`` CSV, so either command reads it::

    id,first_name,last_name,email,lms_user_id
    jsmith,Jane,Smith,jane.smith@uni.example,12345
    bnguyen,Bao,Nguyen,bao.nguyen@uni.example,

``id`` (required) is the student id the gradebook and ``grades.csv`` use (letters,
digits, ``-``, ``_``, ``.``); the other columns are optional and may be empty; other
columns are ignored. The students go into the gradebook with
``Gradebook.update_or_create_student``, so names and emails appear in formgrader and
the grade export.

How an LMS download is matched to these students (``Roster.resolve``):

* Canvas names each file after the student's Canvas user id; put it in
  ``lms_user_id`` (the ``ID`` column of Canvas's gradebook export, Grades > Export).
  Without it, the file's squeezed sortable name (``smithjane`` for "Smith, Jane") is
  compared with ``last_name`` + ``first_name`` squeezed the same way.
* Moodle names each folder after the student's full name and a participant id that
  Moodle numbers anew for every assignment, so the full name is compared with
  "first_name last_name" (either order, case and punctuation ignored), whatever
  ``lms_user_id`` holds. For anonymous
  (blind) marking, or two students with one name, put the participant id of *this*
  assignment in ``lms_user_id`` (the grading worksheet's ``Identifier`` column,
  "Participant 1234567" -> 1234567).

A submitter matched by nothing, or by a name two students share, is not guessed: the
collect report names them and says which column to fill in.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .lms_names import ATTEMPT, CANVAS, LmsName
from ..paths import Course

STUDENT_ID = re.compile(r"^[A-Za-z0-9_\-.]+$")
COLUMNS = ("id", "first_name", "last_name", "email", "lms_user_id")
EXAMPLE = "id,first_name,last_name,email,lms_user_id\njsmith,Jane,Smith,jane.smith@uni.example,12345"


class RosterError(ValueError):
    """A roster file that cannot be used; the message says what to change in it."""


class UnknownSubmitter(LookupError):
    """An LMS submitter who matches no student, or more than one; the message (which does not
    repeat the submitter's label) says how to fix the roster."""


@dataclass(frozen=True)
class Student:
    id: str
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    lms_user_id: str | None = None


def read_roster(path) -> list[Student]:
    """The students in an nbgrader student CSV, checked (see the module docstring for the format)."""
    path = Path(path)
    if not path.is_file():
        raise RosterError(f"no roster file {path}: pass a CSV with the header\n{EXAMPLE}")
    with open(path, newline="", encoding="utf-8-sig") as handle:  # -sig: spreadsheets save a byte-order mark
        reader = csv.DictReader(handle)
        header = [name.strip() for name in reader.fieldnames or []]
        if "id" not in header:
            raise RosterError(f"{path} has no 'id' column (its columns: {', '.join(header) or 'none'}); "
                              f"nbgrader's student CSV starts with\n{EXAMPLE}")
        reader.fieldnames = header
        students, seen_lms = {}, {}
        for line, row in enumerate(reader, start=2):
            values = {key: (row.get(key) or "").strip() or None for key in COLUMNS}
            student = Student(**values)
            if not student.id:
                raise RosterError(f"{path}, line {line}: empty id; every student needs one")
            if not STUDENT_ID.match(student.id):
                raise RosterError(f"{path}, line {line}: id {student.id!r} may only hold letters, digits, "
                                  "'-', '_' and '.' (it names folders); use e.g. the university login")
            if student.id in students:
                raise RosterError(f"{path}, line {line}: id {student.id!r} appears twice")
            if student.lms_user_id and student.lms_user_id in seen_lms:
                raise RosterError(f"{path}, line {line}: lms_user_id {student.lms_user_id} is also "
                                  f"{seen_lms[student.lms_user_id]!r}'s")
            students[student.id] = student
            if student.lms_user_id:
                seen_lms[student.lms_user_id] = student.id
    if not students:
        raise RosterError(f"{path} lists no students; below the header, one line per student:\n{EXAMPLE}")
    return list(students.values())


def import_roster(path, course: Course = Course()) -> list[Student]:
    """Put the roster's students into the course's gradebook (created or updated), as nbgrader's import does."""
    from ..gradebook.students import add_or_update_students

    students = read_roster(path)
    add_or_update_students(course, students)
    return students


def gradebook_students(course: Course = Course()) -> list[Student]:
    """The students already in the course's gradebook (none when there is no gradebook yet)."""
    from ..gradebook.students import students_in_gradebook

    return [Student(*fields) for fields in students_in_gradebook(course)]


def _squeezed(text: str) -> str:
    """Canvas's file-name form of a name: only letters, digits and '_', lower case."""
    return re.sub(r"[^\w]", "", text).lower()


def _words(text: str) -> tuple:
    """A full name compared loosely: accents, case, punctuation and '_' ignored."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode() or text
    return tuple(re.sub(r"[^\w]+|_", " ", plain).lower().split())


class Roster:
    """Students by id, by LMS id and by name, to say which student an LMS download file belongs to."""

    def __init__(self, students):
        self.students = {s.id: s for s in students}
        self.by_lms_id = {s.lms_user_id: s for s in self.students.values() if s.lms_user_id}

    def __bool__(self) -> bool:
        return bool(self.students)

    def _named(self, submitter: LmsName) -> list[Student]:
        if submitter.lms == CANVAS:
            wanted = _squeezed(submitter.who)
            return [s for s in self.students.values() if wanted and (s.last_name or s.first_name)
                    and _squeezed(f"{s.last_name or ''}{s.first_name or ''}") == wanted]
        wanted = _words(submitter.who)
        return [s for s in self.students.values() if wanted and (s.first_name or s.last_name) and wanted in (
            _words(f"{s.first_name or ''} {s.last_name or ''}"), _words(f"{s.last_name or ''} {s.first_name or ''}"))]

    def resolve(self, submitter: LmsName) -> tuple[str, str]:
        """(student id, how it was matched) for a download's submitter; UnknownSubmitter if none or ambiguous."""
        if submitter.lms == ATTEMPT:
            return submitter.who, "student id in the file name"
        kind = "Canvas user id" if submitter.lms == CANVAS else "Moodle participant id"
        if not self.students:
            raise UnknownSubmitter(
                f"no roster to map {submitter.lms} submitters to student ids; import one "
                "first (python -m utils.instructor roster students.csv, or collect --roster students.csv), "
                "with columns " + ",".join(COLUMNS))
        if submitter.lms_id in self.by_lms_id:
            return self.by_lms_id[submitter.lms_id].id, kind
        named = self._named(submitter)
        if submitter.lms == CANVAS:  # a Canvas user id is the course's for good: another one is another person
            named = [s for s in named if not s.lms_user_id]
        if len(named) == 1:
            return named[0].id, "name"
        if len(named) > 1:
            raise UnknownSubmitter(f"the roster has {len(named)} students with this name "
                                   f"({', '.join(s.id for s in named)}); put the {kind} {submitter.lms_id} "
                                   "in the right one's lms_user_id column and import the roster again")
        unnamed = " without an lms_user_id" if submitter.lms == CANVAS else ""
        raise UnknownSubmitter(f"not on the roster (no lms_user_id {submitter.lms_id} and no student of that "
                               f"name{unnamed}); nothing was collected for them. If they are in the course, add "
                               "them to the roster (or their id to lms_user_id) and import it again")
