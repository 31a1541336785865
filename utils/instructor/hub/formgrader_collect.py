"""Formgrader's Collect button on the hub: nbgrader's collect replaced by the course's (``make collect``).

nbgrader's own collect looks for every hand-in in one shared inbound folder; the class's exchange
keeps one folder per student (``exchange.py``), and the course's collect checks what nbgrader's does
not (the stage identified from its cells, test cells restored, a hand-in in another's name or over
the size limit refused). Set as ``c.ExchangeFactory.collect`` for the instructor (``jupyter_config``).
"""

from __future__ import annotations

from pathlib import Path

from nbgrader.exchange.default.collect import ExchangeCollect


class CourseCollect(ExchangeCollect):
    """Collect one stage (formgrader's button) or every stage from the class's exchange, as ``make collect`` does."""

    def start(self):
        from ..intake.collect import CollectError, collect
        from .exchange import ClassExchange
        from .settings import COURSE_ID, hub_settings

        settings = hub_settings(Path(self.coursedir.root))
        try:
            collect(None, settings.course, log=self.log.info,
                    exchange=ClassExchange(self.root, self.coursedir.course_id or COURSE_ID),
                    max_handin_bytes=settings.max_handin_mb << 20, only_stage=self.coursedir.assignment_id or None)
        except CollectError as error:
            self.fail(str(error))
