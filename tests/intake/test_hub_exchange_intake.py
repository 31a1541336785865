"""make collect from the hub's exchange, on an exchange laid out by hand: what is collected and what is refused, why.

Each hand-in is a folder as nbgrader's submit writes it (``<student>+<stage>+<timestamp>+<random>`` with the
notebook, ``timestamp.txt`` and ``submission_secret.txt``) in a student's own inbound folder.
"""

from __future__ import annotations

import os
import pwd
import shutil
from pathlib import Path

import pytest

from utils.instructor.hub.exchange import ClassExchange
from utils.instructor.intake.collect import NothingToCollect, collect
from utils.instructor.paths import RELEASE, Course

STAGE = "01_vanilla_gradients"
STAMP = "2026-12-01 10:00:00.000000 UTC"


def hand_in(exchange: ClassExchange, folder_of: str, named: str, stage: str = STAGE, notebook: bool = True,
            secret: str = "s3cret", name: str = STAGE) -> Path:
    folder = exchange.inbound_of(folder_of) / f"{named}+{stage}+{STAMP}+abc"
    folder.mkdir(parents=True)
    if notebook:
        shutil.copy(RELEASE / STAGE / f"{STAGE}.ipynb", folder / f"{name}.ipynb")
    (folder / "timestamp.txt").write_text(STAMP)
    (folder / "submission_secret.txt").write_text(secret)
    return folder


@pytest.fixture
def course(tmp_path):
    return Course.scratch(tmp_path / "course")


@pytest.fixture
def exchange(tmp_path):
    exchange = ClassExchange(tmp_path / "exchange")
    exchange.prepare()
    return exchange


def run_collect(course, exchange, **kwargs):
    return collect(None, course, exchange=exchange, log=lambda *a: None, **kwargs)


def test_a_hand_in_is_collected_with_its_time_and_secret(course, exchange):
    hand_in(exchange, "s1", "s1")
    report = run_collect(course, exchange)
    assert report.collected == {("s1", STAGE): f"{STAGE}.ipynb"} and not report.problems
    stored = course.submitted / "s1" / STAGE
    assert (stored / "submission_secret.txt").read_text() == "s3cret"
    assert (stored / "timestamp.txt").read_text().startswith("2026-12-01 10:00:00")
    again = run_collect(course, exchange)
    assert again.unchanged == {("s1", STAGE)} and not again.collected


def test_a_new_hand_in_replaces_the_one_collected_before(course, exchange):
    hand_in(exchange, "s1", "s1")
    run_collect(course, exchange)
    later = exchange.inbound_of("s1") / f"s1+{STAGE}+2026-12-02 09:00:00.000000 UTC+def"
    later.mkdir()
    shutil.copy(RELEASE / STAGE / f"{STAGE}.ipynb", later)
    (later / "timestamp.txt").write_text("2026-12-02 09:00:00.000000 UTC")
    (later / "submission_secret.txt").write_text("newer")
    report = run_collect(course, exchange)
    assert ("s1", STAGE) in report.collected and "latest hand-in through the exchange" in report.kept[("s1", STAGE)]
    assert (course.submitted / "s1" / STAGE / "submission_secret.txt").read_text() == "newer"


def test_a_hand_in_in_another_students_name_is_refused(course, exchange):
    hand_in(exchange, "s1", "s2")
    report = run_collect(course, exchange)
    assert not report.collected
    assert report.problems == [("s1", f"s2+{STAGE}+{STAMP}+abc",
                                "handed in by s1 in the name of s2; refused (a hand-in counts only for the student "
                                "who handed it in)")]


def test_a_hand_in_over_the_size_limit_is_refused(course, exchange):
    folder = hand_in(exchange, "s1", "s1")
    with open(folder / "outputs.bin", "wb") as big:  # sparse: 60 MB by size, nothing on disk
        big.truncate(60 << 20)
    report = run_collect(course, exchange, max_handin_bytes=50 << 20)
    assert not report.collected
    [(who, _, reason)] = report.problems
    assert who == "s1" and "60 MB handed in, more than the 50 MB a hand-in may be" in reason and "refused" in reason


def test_an_empty_hand_in_and_a_foreign_notebook_are_refused_with_their_reasons(course, exchange):
    hand_in(exchange, "s1", "s1", notebook=False)
    folder = hand_in(exchange, "s2", "s2")
    (folder / f"{STAGE}.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    report = run_collect(course, exchange)
    reasons = dict((who, reason) for who, _, reason in report.problems)
    assert reasons["s1"] == "the hand-in holds no notebook (an empty submission); nothing to grade"
    assert "none of its graded cells" in reasons["s2"]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to own a folder as another account")
def test_a_hand_in_not_owned_by_the_student_is_refused(course, exchange):
    nobody = pwd.getpwnam("nobody")
    folder = hand_in(exchange, "nobody", "nobody")  # owned by root, in the inbound folder of the account nobody
    assert folder.stat().st_uid != nobody.pw_uid
    report = run_collect(course, exchange)
    assert [reason for _, _, reason in report.problems] == [
        f"the folder {folder.name} is not owned by nobody's account; refused"]


def test_only_the_stage_asked_for_is_collected(course, exchange):
    hand_in(exchange, "s1", "s1")
    hand_in(exchange, "s2", "s2", stage="02_gradient_x_input", name="02_gradient_x_input")
    report = run_collect(course, exchange, only_stage=STAGE)
    assert set(report.collected) == {("s1", STAGE)}


def test_an_exchange_with_nothing_handed_in_says_so(course, exchange):
    with pytest.raises(NothingToCollect, match="nothing has been handed in through the exchange"):
        run_collect(course, exchange)
