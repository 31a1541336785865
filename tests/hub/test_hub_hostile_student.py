"""The class hub with two students, one of them hostile: what a student's server can and cannot reach.

A real hub (``tools/scratch_hub.py``: started as ``make hub`` starts it, on free local ports).
Alice fetches stage 01, solves it and hands it in; the instructor collects and autogrades it. Then
Bob, from a kernel of his own server, tries each way at Alice's work and the instructor's files
(through the filesystem, the exchange and signals) and hands in a forged hand-in in Alice's name, a
notebook of another course and an empty hand-in. Every attempt is refused; Alice's hand-in and
grade are unchanged. Also: logins the roster does not allow, and a hub restarted during a fetch.
"""

from __future__ import annotations

import json
import pwd
import re
import secrets
import threading

import psutil
import pytest

from tests.hub_fixtures import STAGE, exchange_action, fill_in_stage01, needs_hub, stage_score

pytestmark = needs_hub

ALICE, BOB, TEACHER = f"alice{secrets.token_hex(3)}", f"bob{secrets.token_hex(3)}", f"teach{secrets.token_hex(3)}"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    from utils.instructor.tools.scratch_hub import ScratchHub

    with ScratchHub(tmp_path_factory.mktemp("hub"), students=[ALICE, BOB], instructors=[TEACHER],
                    release=(STAGE, "02_gradient_x_input")) as running:
        yield running


@pytest.fixture(scope="module")
def teacher(hub):
    """The instructor, logged in, with their server (formgrader) running."""
    teacher = hub.student(TEACHER)
    teacher.sign_up()
    teacher.log_in()
    teacher.start_server()
    return teacher


@pytest.fixture(scope="module")
def alice_graded(hub, teacher):
    """Alice's solved stage 01, handed in through the exchange, collected with formgrader's Collect button (the
    course's collect) and autograded."""
    from utils.instructor.grading.host.autograde import autograde_all

    alice = hub.student(ALICE)
    alice.sign_up()
    alice.log_in()
    alice.start_server()
    exchange_action(alice, "fetch")
    fill_in_stage01(alice)
    assert exchange_action(alice, "submit")["success"]
    collected = teacher.server_api("POST", f"formgrader/api/assignment/{STAGE}/collect")
    assert collected.status_code == 200 and collected.json()["success"], collected.text
    assert (hub.course.submitted / ALICE / STAGE / "submission_secret.txt").is_file()
    results = autograde_all(hub.course, only_student=ALICE, log=lambda *a: None)
    assert [r.ok for r in results] == [True]
    submitted = (hub.course.submitted / ALICE / STAGE / f"{STAGE}.ipynb").read_bytes()
    return alice, submitted, stage_score(hub.course, ALICE)


def test_only_students_on_the_roster_get_in(hub):
    from utils.instructor.tools.hub_client import HubClientError

    stranger = hub.student("mallory")
    assert "not on this course's class list" in stranger.sign_up()
    with pytest.raises(HubClientError, match="not on this course's class list"):
        stranger.log_in()
    wrong_mail = hub.student(BOB)
    wrong_mail.email = "someone.else@uni.example"
    assert "does not match the one the class list has" in wrong_mail.sign_up()
    with pytest.raises(HubClientError, match="has no password yet"):
        hub.student(BOB).log_in()


def _attempts(hub, bob, alice_pids) -> dict:
    """Every attempt Bob makes from his own kernel, and what came of it ('refused: …' or 'SUCCEEDED: …')."""
    from utils.instructor.judge.expected import cache_dir
    from utils.instructor.lms.tool_keys import ToolKeys
    from utils.instructor.paths import REPOSITORY

    exchange = hub.root / "exchange" / "xai-gradients"
    (hub.root / "reports").mkdir(exist_ok=True)
    tool_key = ToolKeys.of_course(hub.root).current()  # the key that signs the course's grades to the LMS
    targets = {
        "Alice's hand-ins (host)": exchange / "inbound" / ALICE,
        "Alice's feedback (host)": exchange / "feedback" / ALICE,
        "Alice's home": f"/home/{ALICE}",
        "the gradebook": hub.root / "gradebook.db",
        "submitted/": hub.root / "submitted",
        "autograded/": hub.root / "autograded",
        "feedback/": hub.root / "feedback",
        "reports/": hub.root / "reports",
        "the roster": hub.root / "roster.csv",
        "the hub's state": hub.root / "hub",
        "the tool's LMS key": hub.root / "lms" / "keys" / f"{tool_key.kid}.pem",
        "the answer key": REPOSITORY / "utils" / "instructor" / "reference" / "vanilla_gradients.py",
        "the judge": REPOSITORY / "utils" / "instructor" / "judge" / "expected.py",
        "the hidden tests": REPOSITORY / "solutions" / STAGE / f"{STAGE}.ipynb",
        "the expected values' cache": cache_dir(),
        "the repository's gradebook": REPOSITORY / "gradebook.db",
    }
    inside = "/srv/nbgrader/exchange/xai-gradients"
    code = f"""
import os, json, signal
R = {{}}
def attempt(name, action):
    try:
        R[name] = "SUCCEEDED: " + repr(action())[:200]
    except OSError as error:
        R[name] = "refused: " + type(error).__name__
def look(path):
    return os.listdir(path) if os.path.isdir(path) else open(path, "rb").read(64)
for name, path in {json.dumps({k: str(v) for k, v in targets.items()})}.items():
    attempt("read " + name, lambda path=path: look(path))
def alices_hand_ins_in_sight():
    found = [n for n in os.listdir("{inside}/inbound") if n.startswith("{ALICE}")]
    if not found:
        raise FileNotFoundError("none of Alice's hand-ins in the exchange Bob sees")
    return found
attempt("list the exchange's hand-ins for Alice's", alices_hand_ins_in_sight)
attempt("write into the released stages", lambda: open("{inside}/outbound/{STAGE}/x.ipynb", "w").write("x"))
attempt("write into the feedback folder", lambda: open("{inside}/feedback/x.html", "w").write("x"))
attempt("overwrite Alice's hand-in (host)", lambda: open("{exchange / 'inbound' / ALICE}/x", "w").write("x"))
for pid in {alice_pids}:
    attempt(f"signal Alice's process {{pid}}", lambda pid=pid: os.kill(pid, signal.SIGKILL))
# pid 1 is the sandbox's own init (bubblewrap's, root's): the only process not Bob's he may see, and not signal
init = open("/proc/1/comm").read().strip()
attempt("signal the sandbox's init", lambda: os.kill(1, signal.SIGKILL))
others = [p for p in os.listdir("/proc") if p.isdigit() and p != "1" and os.stat(f"/proc/{{p}}").st_uid != os.getuid()]
R["processes of another user in sight"] = ("SUCCEEDED: " + repr(others) if others or init != "bwrap"
                                           else "refused: none in sight but the sandbox's init")
print(json.dumps(R))
"""
    kernel = bob.kernel()
    result = kernel.run(code)
    kernel.close()
    assert result.status == "ok", result
    return json.loads(result.stdout)


def _bob_hands_in_forgeries(bob):
    """A hand-in in Alice's name, a notebook of another course, and an empty hand-in, written where nbgrader's
    submit writes (Bob's own inbound folder) and, for the foreign notebook, through nbgrader's real submit."""
    inside = "/srv/nbgrader/exchange/xai-gradients/inbound"
    code = f"""
import os, shutil, nbformat
stamp = "2026-12-07 10:00:00.000000 UTC"
forged = "{inside}/{ALICE}+{STAGE}+" + stamp + "+forged"
os.makedirs(forged)
shutil.copy(os.path.expanduser("~/{STAGE}/{STAGE}.ipynb"), forged)
open(forged + "/timestamp.txt", "w").write(stamp)
os.makedirs("{inside}/{BOB}+02_gradient_x_input+" + stamp + "+empty")
open("{inside}/{BOB}+02_gradient_x_input+" + stamp + "+empty/timestamp.txt", "w").write(stamp)
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('my other course')")])
os.makedirs(os.path.expanduser("~/{STAGE}"), exist_ok=True)
nbformat.write(nb, os.path.expanduser("~/{STAGE}/{STAGE}.ipynb"))
"""
    kernel = bob.kernel()
    assert kernel.run(code).status == "ok"
    kernel.close()
    assert exchange_action(bob, "submit")["success"]


def test_a_hostile_student_reaches_nothing_of_another_student_or_the_instructor(hub, alice_graded):
    import websocket

    from utils.instructor.hub.exchange import ClassExchange
    from utils.instructor.intake.collect import collect
    from utils.instructor.tools.hub_client import HubClientError

    alice, submitted, score = alice_graded
    assert score > 0
    bob = hub.student(BOB)
    bob.sign_up()
    bob.log_in()
    bob.start_server()
    exchange_action(bob, "fetch")
    alice_uid = pwd.getpwnam(ALICE).pw_uid
    alice_pids = [p.pid for p in psutil.process_iter(["uids"]) if p.info["uids"] and p.info["uids"].real == alice_uid]
    assert alice_pids, "Alice's server should be running"

    outcomes = _attempts(hub, bob, alice_pids)
    succeeded = {name: outcome for name, outcome in outcomes.items() if not outcome.startswith("refused")}
    assert not succeeded, f"Bob reached what he must not: {succeeded}"
    assert len(outcomes) >= 20

    _bob_hands_in_forgeries(bob)
    report = collect(None, hub.course, exchange=ClassExchange(hub.root / "exchange"), log=lambda *a: None)
    reasons = {(who, reason) for who, _, reason in report.problems}
    assert any(who == BOB and f"in the name of {ALICE}" in reason for who, reason in reasons), reasons
    assert any(who == BOB and "holds no notebook" in reason for who, reason in reasons), reasons
    assert any(who == BOB and re.search("has none of (its|the course's) graded cells", reason)
               for who, reason in reasons), reasons
    assert (ALICE, STAGE) in report.unchanged and (ALICE, STAGE) not in report.collected
    assert (hub.course.submitted / ALICE / STAGE / f"{STAGE}.ipynb").read_bytes() == submitted
    assert stage_score(hub.course, ALICE) == score

    kernel = bob.kernel()  # last: Bob kills every process he may signal, his own server with it
    with pytest.raises((HubClientError, websocket.WebSocketException, ConnectionError)):
        kernel.run("import os, signal; os.kill(-1, signal.SIGKILL)", timeout=20)
    alive = alice.kernel()
    assert alive.run("print(6 * 7)").stdout.strip() == "42"
    alive.close()


def test_a_hub_restarted_during_a_fetch_loses_nothing(hub, alice_graded):
    alice, _, _ = alice_graded
    mine = alice.server_api("GET", f"api/contents/{STAGE}/{STAGE}.ipynb").json()["last_modified"]
    fetching = threading.Thread(target=lambda: _quietly(exchange_action, alice, "fetch", "02_gradient_x_input"))
    fetching.start()
    hub.stop_hub()
    fetching.join(120)
    hub.start()
    alice.log_in()
    listed = alice.server_api("GET", "assignments", params={"course_id": "xai-gradients"}).json()["value"]
    status = {a["assignment_id"]: a["status"] for a in listed if "assignment_id" in a}
    if status.get("02_gradient_x_input") == "released":  # the fetch did not get through: the student fetches again
        assert exchange_action(alice, "fetch", "02_gradient_x_input")["success"]
    notebook = alice.server_api("GET", "api/contents/02_gradient_x_input/02_gradient_x_input.ipynb")
    assert notebook.status_code == 200
    assert alice.server_api("GET", f"api/contents/{STAGE}/{STAGE}.ipynb").json()["last_modified"] == mine


def _quietly(action, *args):
    try:
        action(*args)
    except Exception:  # noqa: BLE001 (the hub went away during the request: what the test is about)
        pass


def test_formgrader_is_the_instructors_not_the_students(hub, teacher, alice_graded):
    page = teacher.server_api("GET", "formgrader")
    assert page.status_code == 200 and "formgrader" in page.text.lower()
    alice, _, _ = alice_graded
    assert alice.server_api("GET", "formgrader").status_code == 404
    assert alice.server_api("GET", "formgrader/api/assignments").status_code == 404
