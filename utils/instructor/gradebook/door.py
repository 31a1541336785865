"""The one door to nbgrader's database: every module that reads or writes the gradebook opens it here.

``open_gradebook(course)`` is nbgrader's ``Gradebook`` for ``course`` as a context manager; the ORM objects
it hands out belong to its session and are used only inside the ``with`` (outside it SQLAlchemy warns
"Object ... not in session" and drops the change).
"""

from __future__ import annotations

from contextlib import contextmanager

from ..paths import Course


@contextmanager
def open_gradebook(course: Course | None = None, db_url: str | None = None):
    """nbgrader's Gradebook of ``course`` (or at ``db_url``), closed on leaving."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url or (course or Course()).db_url) as gradebook:
        yield gradebook


def submission_of(gradebook, stage: str, student: str, **fields):
    """nbgrader's ``update_or_create_submission`` on the open ``gradebook``, without SQLAlchemy's "Object of type
    <SubmittedAssignment> not in session" warnings: nbgrader's ``add_submission`` builds the new submission's
    rows before adding them to the session, and the lazy loads in between would flush them half-made."""
    with gradebook.db.no_autoflush:
        return gradebook.update_or_create_submission(stage, student, **fields)
