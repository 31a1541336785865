"""The class list from the LMS's members (``lms/roster_from_lms.py``, without an LMS): who is added, changed, left
and kept, and the ids new students get."""

from __future__ import annotations

from utils.instructor.intake.roster import Student
from utils.instructor.lms.roster_from_lms import changes_from_members, new_student_id

LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
TEACHER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def member(user_id, given, family, email, roles=(LEARNER,), status="Active", **more):
    return {"user_id": user_id, "given_name": given, "family_name": family, "email": email, "roles": list(roles),
            "status": status, **more}


def test_members_are_matched_by_lms_id_then_by_email_once_and_the_rest_are_new():
    roster = [Student("alice", "Alice", "A", "alice@uni.example", "u1"),
              Student("bob", "Bob", "B", "Bob@Uni.example", None),        # from a CSV: no LMS id yet
              Student("carol", "Carol", "C", "carol@uni.example", "u3"),  # left, nothing handed in
              Student("dave", "Dave", "D", "dave@uni.example", "u4"),     # left, has grades
              Student("erin", "Erin", "E", None, None)]                    # CSV, not in the LMS
    members = [member("u1", "Alice", "Anders", "alice@uni.example"),      # name changed
               member("u2", "Bob", "B", "bob@uni.example"),                 # matched by e-mail
               member("u5", "Frank", "F", "frank@uni.example", lis_person_sourcedid="F.Smith"),
               member("u6", "Gina", "G", "gina@uni.example"),
               member("u7", "Teach", "T", "t@uni.example", roles=(TEACHER,)),  # not a student
               member("u4", "Dave", "D", "dave@uni.example", status="Inactive")]
    changes = changes_from_members(members, roster, with_work={"dave"})
    assert [(s.id, s.lms_user_id) for s in changes.added] == [("f.smith", "u5"), ("gina", "u6")]
    assert [(before.id, after.last_name, after.lms_user_id) for before, after in changes.changed] == [
        ("alice", "Anders", "u1"), ("bob", "B", "u2")]
    assert [s.id for s in changes.left] == ["carol"]
    assert [s.id for s in changes.left_with_grades] == ["dave"]
    assert [s.id for s in changes.unmatched] == ["erin"]
    lines = "\n".join(changes.lines())
    assert "changed alice: last_name A -> Anders" in lines and "left dave (Dave D): KEPT" in lines


def test_new_ids_never_collide_and_are_valid_account_names():
    taken = {"jsmith"}
    assert new_student_id({"user_id": "9", "email": "jsmith@other.example"}, taken) == "jsmith-2"
    assert new_student_id({"user_id": "9", "email": "JSmith@x"}, taken | {"jsmith-2"}) == "jsmith-3"
    # a UUID sub without an e-mail: lms-<uuid> is too long for an account name, cut to 32 characters
    uuid = "8f7b2a4e-1c3d-4e5f-9a8b-7c6d5e4f3a2b"
    made = new_student_id({"user_id": uuid}, set())
    assert made.startswith("lms-8f7b2a4e") and len(made) <= 32
    assert new_student_id({"user_id": "5", "email": "_@x", "lis_person_sourcedid": "12345"}, set()) == "lms-5"
