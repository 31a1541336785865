"""What the LMS already has: each score the tool sent and the LMS accepted, in ``<course>/lms/sent_scores.json``.

A score is written here only after the LMS accepted it, one at a time, so a run that fails half-way leaves
exactly the accepted ones recorded and the next run sends the rest. The gradebook is never written: this file is
the course's memory of the LMS, not of the grades.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class SentScore:
    student: str
    score: float
    maximum: float
    line_item: str
    timestamp: str


class SentScores:
    """Sent scores by (stage, LMS user id)."""

    def __init__(self, path):
        self.path = Path(path)
        self._scores: dict[str, dict[str, SentScore]] = {}
        if self.path.is_file():
            for stage, by_user in json.loads(self.path.read_text()).items():
                self._scores[stage] = {user: SentScore(**sent) for user, sent in by_user.items()}

    @classmethod
    def of_course(cls, course_root) -> "SentScores":
        return cls(Path(course_root) / "lms" / "sent_scores.json")

    def get(self, stage: str, lms_user_id: str) -> SentScore | None:
        return self._scores.get(stage, {}).get(lms_user_id)

    def unchanged(self, stage: str, lms_user_id: str, score: float, maximum: float, line_item: str | None) -> bool:
        """The LMS has this very score (and, when ``line_item`` is known, on that line item)."""
        sent = self.get(stage, lms_user_id)
        return (sent is not None and (sent.score, sent.maximum) == (score, maximum)
                and (line_item is None or sent.line_item == line_item))

    def record(self, stage: str, lms_user_id: str, sent: SentScore) -> None:
        self._scores.setdefault(stage, {})[lms_user_id] = sent
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps({stage: {user: asdict(s) for user, s in sorted(by_user.items())}
                                         for stage, by_user in sorted(self._scores.items())}, indent=1))
        temporary.replace(self.path)
