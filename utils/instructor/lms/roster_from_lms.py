"""The class list from the LMS (``make roster FROM=lms``), through LTI Names and Role Provisioning Services.

The LMS lists the course's members with their LMS user id, names, e-mail and roles. Its learners (role
``...membership#Learner``, status Active) are the class; each is matched to a student of the gradebook:

1. by ``lms_user_id`` (the LMS's stable user id, the ``sub`` of their launches);
2. else, a student imported from a CSV without an ``lms_user_id``, by e-mail address (case ignored), once:
   their ``lms_user_id`` is filled in from then on;
3. else they are new, with a student id made from the LMS's SIS id (``lis_person_sourcedid``), else the part of
   their e-mail before the ``@``, else ``lms-<user id>`` — lower case (the hub's user names are), checked to be
   a valid id and not taken (two students whose e-mails start alike get ``jsmith`` and ``jsmith-2``, never the
   same account).

Names and e-mail changed in the LMS are updated. A student the LMS no longer lists (or lists as inactive) has
left: taken off the roster when they have nothing in the gradebook, kept (and reported) when they have a
submission, so that no grade is ever lost. Students without an ``lms_user_id`` whom no member matched are left
as they are. Instructors and other non-learners are not students, and are not added.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace

from ..intake.roster import STUDENT_ID, Student
from .platform_settings import LEARNER_ROLE

#: A system account name holds at most 32 characters (useradd), and the hub's user names are in lower case.
MAX_ID = 32


@dataclass
class RosterChanges:
    added: list = field(default_factory=list)           # Student
    changed: list = field(default_factory=list)         # (before, after) Students
    left: list = field(default_factory=list)            # Students taken off the roster
    left_with_grades: list = field(default_factory=list)  # Students kept: they have submissions
    unmatched: list = field(default_factory=list)       # roster students without lms_user_id the LMS does not list

    def lines(self) -> list[str]:
        out = [f"added {s.id} ({_name(s)}, lms_user_id {s.lms_user_id})" for s in self.added]
        out += [f"changed {after.id}: {_difference(before, after)}" for before, after in self.changed]
        out += [f"left {s.id} ({_name(s)}): taken off the roster (nothing handed in)" for s in self.left]
        out += [f"left {s.id} ({_name(s)}): KEPT, they have submissions and their grades stay"
                for s in self.left_with_grades]
        out += [f"not in the LMS's list: {s.id} (no lms_user_id; left as is)" for s in self.unmatched]
        return out


def _name(student: Student) -> str:
    return " ".join(part for part in (student.first_name, student.last_name) if part) or "no name"


def _difference(before: Student, after: Student) -> str:
    fields = ("first_name", "last_name", "email", "lms_user_id")
    return ", ".join(f"{name} {getattr(before, name) or '(none)'} -> {getattr(after, name)}"
                     for name in fields if getattr(before, name) != getattr(after, name))


def is_learner(member: dict) -> bool:
    roles = member.get("roles") or []
    return member.get("status", "Active") == "Active" and any(
        role == LEARNER_ROLE or role == "Learner" or role.endswith("/membership#Learner") for role in roles)


def _candidate_ids(member: dict):
    if member.get("lis_person_sourcedid"):
        yield member["lis_person_sourcedid"]
    if member.get("email"):
        yield member["email"].split("@")[0]
    yield f"lms-{member['user_id']}"
    yield "lms-" + hashlib.sha256(str(member["user_id"]).encode()).hexdigest()[:12]


def new_student_id(member: dict, taken: set[str]) -> str:
    """A valid, untaken student id for a new member (see the module docstring)."""
    for candidate in _candidate_ids(member):
        candidate = re.sub(r"[^a-z0-9_.\-]", "", candidate.lower())[:MAX_ID].strip(".-")
        if not candidate or not STUDENT_ID.match(candidate) or not candidate[0].isalpha():
            continue
        unique, n = candidate, 2
        while unique in taken:
            suffix = f"-{n}"
            unique, n = candidate[:MAX_ID - len(suffix)] + suffix, n + 1
        return unique
    raise AssertionError("the last candidate id is always valid")


def changes_from_members(members: list[dict], roster: list[Student], with_work: set[str]) -> RosterChanges:
    """What the roster ``roster`` becomes with the LMS's ``members`` (nothing is written here)."""
    changes = RosterChanges()
    by_lms = {s.lms_user_id: s for s in roster if s.lms_user_id}
    by_email = {s.email.lower(): s for s in roster if s.email and not s.lms_user_id}
    taken = {s.id for s in roster}
    listed, matched = set(), set()
    for member in filter(is_learner, members):
        user_id = str(member["user_id"])
        listed.add(user_id)
        from_lms = dict(first_name=member.get("given_name") or None, last_name=member.get("family_name") or None,
                        email=member.get("email") or None, lms_user_id=user_id)
        known = by_lms.get(user_id) or by_email.pop((member.get("email") or "").lower(), None)
        if known is None:
            student = Student(new_student_id(member, taken), **from_lms)
            taken.add(student.id)
            changes.added.append(student)
            continue
        matched.add(known.id)
        updated = replace(known, **{k: v for k, v in from_lms.items() if v is not None})
        if updated != known:
            changes.changed.append((known, updated))
    for student in roster:
        if student.lms_user_id and student.lms_user_id not in listed:
            (changes.left_with_grades if student.id in with_work else changes.left).append(student)
        elif not student.lms_user_id and student.id not in matched:
            changes.unmatched.append(student)
    return changes


def roster_from_lms(course, connection=None, dry_run: bool = False) -> RosterChanges:
    """Read the LMS's members and bring ``course``'s roster in line (``dry_run``: only say what would change)."""
    from ..gradebook.students import add_or_update_students, remove_students, students_with_work
    from ..intake.roster import gradebook_students
    from .connection import LmsUnavailable, connect, failure_of

    service = (connection or connect(course.root)).names_and_roles()
    try:
        members = service.get_members()
    except Exception as error:  # noqa: BLE001 - pylti1p3 and requests raise several kinds
        raise LmsUnavailable(failure_of(error), "reading the class list from the LMS") from error
    changes = changes_from_members(members, gradebook_students(course), students_with_work(course))
    if not dry_run:
        add_or_update_students(course, changes.added + [after for _, after in changes.changed])
        if changes.left:
            remove_students(course, [s.id for s in changes.left])
    return changes
