"""A submission's late penalty worked out again in the gradebook, when what it depends on changed after grading.

nbgrader's ``AssignLatePenalties`` sets ``SubmittedNotebook.late_submission_penalty`` once, when a notebook is
autograded. The course's penalty (``gradebook/late_policy.py``) depends on three things that can change later:

* the student's extension (``make extension``, ``gradebook/extensions.py``),
* the stage's due date (``schedule.csv``, ``gradebook/due_dates.py``),
* the notebook's score (written answers graded by hand in formgrader).

``reassess`` repeats what ``AssignLatePenalties.preprocess`` does for one submission, on an open gradebook and
with the plugin ``nbgrader_config.py`` configures: no penalty (None) when the hand-in is not late, else the
plugin's penalty, kept between 0 and the notebook's score as nbgrader keeps it.
"""

from __future__ import annotations


def penalty_for(policy, student: str, score: float, seconds_late: float) -> float | None:
    """What ``AssignLatePenalties`` would store for a notebook scoring ``score`` handed in ``seconds_late`` late."""
    if seconds_late <= 0:
        return None
    penalty = policy.late_submission_penalty(student, score, seconds_late)
    return None if penalty is None else min(max(penalty, 0.0), score)


def reassess(gradebook, submission, policy=None) -> bool:
    """Store ``submission``'s late penalty (nbgrader ``SubmittedAssignment``) as the policy gives it now; commit and
    return True when a notebook's penalty changed. ``policy``: the configured plugin (default: read from
    nbgrader_config.py)."""
    if policy is None:
        from .late_policy import late_policy

        policy = late_policy()
    changed = False
    seconds = submission.total_seconds_late
    for notebook in submission.notebooks:
        penalty = penalty_for(policy, submission.student.id, notebook.score, seconds)
        if notebook.late_submission_penalty != penalty:
            notebook.late_submission_penalty = penalty
            changed = True
    if changed:
        gradebook.db.commit()
    return changed
