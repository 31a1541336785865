"""HTML feedback per student and stage (nbgrader generate_feedback, hidden tests removed).

nbgrader writes ``feedback/<student>/<stage>/<stage>.html`` with the course's feedback page
(``nbgrader_config.py``: hidden tests removed, math as MathML, pictures shrunk, no Bootstrap and no
MathJax, so a page opens offline and in an LMS; its colours pass WCAG 2.1 AA). ``generate_feedback``
returns the pages it wrote, for what hands them to the students: ``feedback_lms_zips`` puts them in the
one zip per stage that Canvas or Moodle takes back in a single upload (``make feedback FORMAT=canvas``);
where nbgrader's exchange is used, ``nbgrader release_feedback`` hands the same pages back.
"""

from __future__ import annotations

import time
from collections import defaultdict

from ..grading.host.autograde import submissions
from ..nbgrader_cli import run_nbgrader
from ..paths import Course


def generate_feedback(course: Course = Course(), log=print) -> list:
    """Feedback pages for every autograded submission (one nbgrader run per stage). Returns the pages written;
    a notebook nbgrader could not turn into a page is logged."""
    started = time.time()
    by_stage = defaultdict(list)
    for student, stage in submissions(course):
        if (course.autograded / student / stage).exists():
            by_stage[stage].append(student)
        else:
            log(f"{student} {stage}: not autograded, no feedback")
    made = []
    for stage, students in sorted(by_stage.items()):
        done = run_nbgrader("generate_feedback", stage, "--force", *course.nbgrader_args(), check=False)
        pages = {s: course.feedback / s / stage / f"{stage}.html" for s in students}
        fresh = {s: p for s, p in pages.items() if p.exists() and p.stat().st_mtime >= started - 1}
        made.extend(sorted(fresh.values()))
        log(f"{stage}: feedback for {len(fresh)} of {len(students)} students")
        for student in sorted(set(students) - set(fresh)):
            log(f"  FAILED {student} {stage}: nbgrader wrote no page; its log ends:\n"
                f"{((done.stdout or '') + (done.stderr or ''))[-1500:]}")
    return made
