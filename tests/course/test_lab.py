"""`make lab`, here and in the student bundle: a real JupyterLab on the course's notebooks, with the course's
JupyterLab settings (utils/jupyter_config: no "Would you like to get notified about official Jupyter news?" prompt)
and Jupyter's own options passed through (--ip, --port, --no-browser, any --ServerApp.* setting).

Each server listens on 127.0.0.2, given with --ip: it answers there and not on 127.0.0.1, where it would listen had
the option been dropped. Each is stopped, with its process group, at the end of its test.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from utils.instructor.prepare.bundle import build_student_bundle
from utils.jupyter_config import CONFIG_DIR, VARIABLE, environment

from tests.browser import chromium, needs_chromium

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.2"  # loopback, but not JupyterLab's default address
NOTIFICATION_SETTINGS = "@jupyterlab/apputils-extension:notification"
NEWS_PROMPT = "Would you like to get notified about official Jupyter news?"

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="listens on 127.0.0.2, a Linux loopback address")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """A JupyterLab started by ``command``, in its own process group, isolated from this user's own lab settings."""

    def __init__(self, command: list[str], cwd: Path, scratch: Path, env: dict[str, str] | None = None):
        self.port, self.token = free_port(), secrets.token_hex(16)
        command = [part.format(port=self.port, token=self.token) for part in command]
        self.log = scratch / "server.log"
        self.process = subprocess.Popen(
            command, cwd=cwd, start_new_session=True, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
            env={**(os.environ if env is None else env), "JUPYTERLAB_SETTINGS_DIR": str(scratch / "user-settings"),
                 "JUPYTERLAB_WORKSPACES_DIR": str(scratch / "workspaces")})

    def url(self, path: str, host: str = HOST) -> str:
        return f"http://{host}:{self.port}{path}{'&' if '?' in path else '?'}token={self.token}"

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(self.url(path), timeout=30) as response:
            return response.read()

    def wait(self, timeout: float = 120) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited ({self.process.returncode}):\n{self.log.read_text()[-3000:]}")
            try:
                self.get("/api/status")
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        raise AssertionError(f"no answer on {HOST}:{self.port} within {timeout} s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        except ProcessLookupError:
            pass


def notification_settings(server: Server) -> dict:
    return json.loads(server.get(f"/lab/api/settings/{NOTIFICATION_SETTINGS}"))


def page_config(server: Server) -> dict:
    page = server.get("/lab").decode()
    return json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', page,
                                re.S).group(1))


def top_level_names(server: Server) -> set[str]:
    return {item["name"] for item in json.loads(server.get("/api/contents"))["content"]}


def assert_the_course_settings_apply(server: Server) -> None:
    """JupyterLab asks about the news while fetchNews is "none" (its default); "false" is "Never"."""
    settings = notification_settings(server)
    properties = settings["schema"]["properties"]
    assert properties["fetchNews"]["default"] == "false" and properties["checkForUpdates"]["default"] is False
    assert "fetchNews" not in json.loads(settings["raw"] or "{}"), "the user's own settings should not decide here"
    assert page_config(server)["news"] == {"disabled": True}, "the server should not fetch the news feed"
    assert json.loads(server.get("/lab/api/news")) == {"news": []}


def assert_it_listens_where_it_was_told(server: Server) -> None:
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(server.url("/api/status", host="127.0.0.1"), timeout=5)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"http://{HOST}:{server.port}/api/status?token=not-the-token", timeout=30)
    assert refused.value.code == 403, "the token given as a JupyterLab option should be the one it requires"


def prompts_seen(server: Server) -> int:
    """How many news prompts a browser opening JupyterLab sees once the launcher is there."""
    with chromium() as browser:
        page = browser.new_page()
        page.goto(server.url("/lab"))
        page.wait_for_selector(".jp-DirListing-content", timeout=120_000)
        page.wait_for_timeout(4000)  # the prompt comes once the application is restored
        return page.get_by_text(NEWS_PROMPT).count()


@pytest.fixture(scope="module")
def instructors_lab(tmp_path_factory):
    """``python -m utils.instructor lab`` (what ``make lab ARGS=...`` runs) with JupyterLab's options after it."""
    scratch = tmp_path_factory.mktemp("lab")
    server = Server([sys.executable, "-m", "utils.instructor", "lab", "--ip", HOST, "--port", "{port}",
                     "--no-browser", "--IdentityProvider.token={token}"], ROOT, scratch)
    try:
        server.wait()
        yield server
    finally:
        server.stop()


def test_make_lab_passes_jupyters_own_options_through(instructors_lab):
    assert_it_listens_where_it_was_told(instructors_lab)
    assert {"01_vanilla_gradients", "08_sanity_checks"} <= top_level_names(instructors_lab), "it should open on course/"


def test_make_lab_reads_the_course_settings_that_turn_the_news_prompt_off(instructors_lab):
    assert_the_course_settings_apply(instructors_lab)


@needs_chromium
def test_no_news_prompt_in_the_browser_where_plain_jupyterlab_shows_one(instructors_lab, tmp_path):
    """The control: the same JupyterLab without the course's settings does show the prompt."""
    assert prompts_seen(instructors_lab) == 0
    without = {key: value for key, value in os.environ.items() if key != VARIABLE}
    plain = Server([sys.executable, "-m", "jupyterlab", "--ip", HOST, "--port={port}", "--no-browser",
                    "--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}", "--allow-root"],
                   tmp_path, tmp_path, env=without)
    try:
        plain.wait()
        assert prompts_seen(plain) == 1
    finally:
        plain.stop()


def test_the_student_bundles_make_lab_uses_the_course_settings_and_options(tmp_path):
    archive = build_student_bundle(tmp_path, log=lambda *_: None)
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "unpacked", filter="data")
    (bundle,) = (tmp_path / "unpacked").iterdir()
    shipped = bundle / CONFIG_DIR.relative_to(ROOT)
    for name in ("labconfig/default_setting_overrides.json", "jupyter_server_config.json"):
        assert (shipped / name).read_bytes() == (CONFIG_DIR / name).read_bytes(), f"the bundle lacks {name}"
    (bundle / ".venv").mkdir()
    (bundle / ".venv" / ".installed").touch()  # installed: this test's environment stands in for the bundle's
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    make = shutil.which("make")
    if make is None:
        pytest.skip("no make on this machine")
    server = Server([make, "lab", f"BIN={Path(sys.executable).parent}",
                     f"ARGS=--ip={HOST} --port={{port}} --no-browser --IdentityProvider.token={{token}}"],
                    bundle, scratch)
    try:
        server.wait()
        assert_it_listens_where_it_was_told(server)
        assert_the_course_settings_apply(server)
        assert {"01_vanilla_gradients", "08_sanity_checks"} <= top_level_names(server)
    finally:
        server.stop()


def test_the_environment_puts_the_course_settings_first_once():
    other = os.pathsep.join(["/etc/elsewhere", str(CONFIG_DIR)])
    assert environment({VARIABLE: other, "HOME": "/home/ada"}) == {
        VARIABLE: os.pathsep.join([str(CONFIG_DIR), "/etc/elsewhere"]), "HOME": "/home/ada"}
    assert environment({})[VARIABLE] == str(CONFIG_DIR)
