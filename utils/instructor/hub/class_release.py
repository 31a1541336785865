"""Release a stage to the class through the exchange (``make release-to-class STAGE=…``): nbgrader's release_assignment."""

from __future__ import annotations

from ..nbgrader_cli import run_nbgrader
from ..paths import RELEASE
from .exchange import ClassExchange
from .settings import COURSE_ID, CourseHub


class ReleaseError(RuntimeError):
    """A stage that cannot be released; the message says what to do first."""


def release_to_class(stage: str, settings: CourseHub, log=print) -> None:
    """Copy ``course/<stage>/`` (the student release, ``make release``) into the exchange's outbound folder, where
    every student's Assignments tab lists it; a stage released before is replaced."""
    from utils.names import STAGES

    if stage not in STAGES:
        raise ReleaseError(f"no stage {stage!r}; the stages are {', '.join(STAGES)}")
    if not (RELEASE / stage / f"{stage}.ipynb").is_file():
        raise ReleaseError(f"{RELEASE / stage} holds no {stage}.ipynb: run make release first")
    exchange = ClassExchange(settings.exchange_root)
    exchange.prepare()
    course = settings.course
    run_nbgrader("release_assignment", stage, "--force", f"--course={COURSE_ID}",
                 f"--Exchange.root={settings.exchange_root}", f"--CourseDirectory.release_directory={RELEASE}",
                 *course.nbgrader_args(), cwd=course.root)
    for path in [exchange.outbound / stage, *(exchange.outbound / stage).rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    log(f"{stage}: released to the class (students fetch it in the Assignments tab)")


def release_feedback_to_class(stages, settings: CourseHub, log=print) -> None:
    """Hand each student's feedback pages (``make feedback``) back through the exchange: nbgrader's release_feedback
    with :class:`~.exchange.PerStudentReleaseFeedback`, so the student's Assignments tab fetches them."""
    exchange = ClassExchange(settings.exchange_root)
    if not exchange.course_path.is_dir():
        return
    course = settings.course
    for stage in stages:
        run_nbgrader("release_feedback", stage, f"--course={COURSE_ID}", f"--Exchange.root={settings.exchange_root}",
                     "--ExchangeFactory.release_feedback=utils.instructor.hub.exchange.PerStudentReleaseFeedback",
                     *course.nbgrader_args(), cwd=course.root)
        log(f"{stage}: feedback released through the exchange (students fetch it in the Assignments tab)")
