"""Grades back to the LMS through LTI Assignment and Grade Services (``make export FORMAT=lti``).

Each stage is one line item in the LMS's gradebook, found again by its ``resourceId`` (the stage's name) on
later runs, and created (label, ``scoreMaximum`` = the stage's points, ``tag`` the course id) the first time.
Each student's final grade of a stage is one score::

    {"userId": <lms_user_id>, "scoreGiven": <points after the late penalty>, "scoreMaximum": <stage's points>,
     "activityProgress": "Completed" (handed in) | "Initialized" (not handed in: 0),
     "gradingProgress": "FullyGraded", "timestamp": <now, ISO 8601 with milliseconds>}

The rule is the Canvas and Moodle files' (``results/lms_export.py``): a grade that is not final (written
answers to grade by hand, not autograded yet, could not be graded) is not sent; a stage not handed in is a final
0. A score the LMS already has (``sent_scores.py``) is not sent again, so a re-run sends only what changed.

A failure loses nothing: a score the LMS refused (a student who left the course) is reported with the LMS's
words and the run goes on; when the LMS does not answer, or refuses the tool's token, the run stops there.
Either way the report lists every score not sent and why, the command exits non-zero, and the next run sends
them. The gradebook is only read.
"""

from __future__ import annotations

import csv
import enum
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..hub.settings import COURSE_ID
from ..record.stage_grade import WORDS
from ..record.state import State
from .connection import LmsConnection, LmsFailure, failure_of
from .sent_scores import SentScore, SentScores


class ScoreOutcome(enum.Enum):
    SENT = "sent"
    WOULD_SEND = "would be sent (dry run)"
    UNCHANGED = "unchanged: the LMS has it"
    NOT_FINAL = "not final: not sent"
    NO_LMS_ID = "no lms_user_id: not sent"
    FAILED = "FAILED: not sent, the next run sends it"


@dataclass(frozen=True)
class ScoreLine:
    """One grade as the LMS would receive it."""

    stage: str
    student: str
    lms_user_id: str
    score: float
    maximum: float
    handed_in: bool


@dataclass(frozen=True)
class ScoreResult:
    stage: str
    student: str
    outcome: ScoreOutcome
    score: float | None = None
    maximum: float | None = None
    why: str = ""
    failure: LmsFailure | None = None


@dataclass
class ScoreReport:
    results: list

    def having(self, *outcomes) -> list[ScoreResult]:
        return [r for r in self.results if r.outcome in outcomes]

    @property
    def failed(self) -> list[ScoreResult]:
        return self.having(ScoreOutcome.FAILED)

    def counts(self) -> list[tuple[ScoreOutcome, int]]:
        return [(outcome, len(self.having(outcome))) for outcome in ScoreOutcome if self.having(outcome)]

    def write_csv(self, path) -> Path:
        path = Path(path)
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["student_id", "stage", "score", "maximum", "outcome", "why"])
            for r in self.results:
                writer.writerow([r.student, r.stage, "" if r.score is None else f"{r.score:g}",
                                 "" if r.maximum is None else f"{r.maximum:g}", r.outcome.name.lower(), r.why])
        return path


def plan(grades) -> tuple[list[ScoreLine], list[ScoreResult]]:
    """The grades of ``grades`` (``results.grades.ClassGrades``) to send, and those that cannot be sent and why."""
    lines, held = [], []
    for stage in grades.stages:
        maximum = float(grades.max_score[stage])
        for student in grades.students:
            grade = student.stages[stage]
            if not grade.final:
                held.append(ScoreResult(stage, student.id, ScoreOutcome.NOT_FINAL, why=WORDS[grade.state]))
            elif not student.lms_user_id:
                held.append(ScoreResult(stage, student.id, ScoreOutcome.NO_LMS_ID, grade.score, maximum,
                                        why="the roster has no lms_user_id for them: make roster FROM=lms"))
            else:
                lines.append(ScoreLine(stage, student.id, student.lms_user_id, float(grade.score), maximum,
                                       handed_in=grade.state is not State.NOT_SUBMITTED))
    return lines, held


def _is_the_whole_service(failure: LmsFailure) -> bool:
    """A failure that every later request would meet too: no answer, the token refused, the LMS erring."""
    return failure.status is None or failure.status in (401, 403) or failure.status >= 500


def _line_item(ags, stage: str, maximum: float):
    from pylti1p3.lineitem import LineItem

    wanted = (LineItem().set_label(stage).set_score_maximum(maximum).set_resource_id(stage).set_tag(COURSE_ID))
    return ags.find_or_create_lineitem(wanted, find_by="resource_id")


def _score(line: ScoreLine):
    from pylti1p3.grade import Grade

    return (Grade().set_user_id(line.lms_user_id).set_score_given(line.score).set_score_maximum(line.maximum)
            .set_activity_progress("Completed" if line.handed_in else "Initialized")
            .set_grading_progress("FullyGraded")
            .set_timestamp(datetime.now(timezone.utc).isoformat(timespec="milliseconds")))


def send(lines: list[ScoreLine], connection: LmsConnection | None, sent: SentScores,
         dry_run: bool = False) -> list[ScoreResult]:
    """Send each of ``lines`` the LMS does not have yet (``dry_run``: say which, send nothing)."""
    results, stopped = [], None
    by_stage: dict[str, list[ScoreLine]] = {}
    for line in lines:
        by_stage.setdefault(line.stage, []).append(line)
    ags = None if dry_run else connection.grades()
    for stage, stage_lines in by_stage.items():
        item_id = None
        if not dry_run and stopped is None:
            try:
                item_id = _line_item(ags, stage, stage_lines[0].maximum).get_id()
            except Exception as error:  # noqa: BLE001 - every failure is reported, none is lost
                stopped = failure_of(error)
        for line in stage_lines:
            def result(outcome, why="", failure=None):
                return ScoreResult(stage, line.student, outcome, line.score, line.maximum, why, failure)

            if sent.unchanged(stage, line.lms_user_id, line.score, line.maximum, item_id):
                results.append(result(ScoreOutcome.UNCHANGED))
            elif dry_run:
                results.append(result(ScoreOutcome.WOULD_SEND))
            elif stopped is not None:
                results.append(result(ScoreOutcome.FAILED, f"not tried: {stopped}", stopped))
            else:
                try:
                    ags.put_grade(_score(line), _found(item_id))
                except Exception as error:  # noqa: BLE001
                    failure = failure_of(error)
                    results.append(result(ScoreOutcome.FAILED, str(failure), failure))
                    if _is_the_whole_service(failure):
                        stopped = failure
                    continue
                sent.record(stage, line.lms_user_id, SentScore(line.student, line.score, line.maximum, item_id,
                                                               datetime.now(timezone.utc).isoformat()))
                results.append(result(ScoreOutcome.SENT))
    return results


def _found(item_id: str):
    from pylti1p3.lineitem import LineItem

    return LineItem({"id": item_id})


def return_scores(course_root, grades, dry_run: bool = False, connection: LmsConnection | None = None) -> ScoreReport:
    """Send the final grades of ``grades`` to the LMS of the course in ``course_root``; what happened to each."""
    from .connection import connect

    lines, held = plan(grades)
    if not dry_run and connection is None and lines:
        connection = connect(course_root)
    return ScoreReport(send(lines, connection, SentScores.of_course(course_root), dry_run) + held)
