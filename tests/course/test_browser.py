"""The explorers in a real browser: JupyterLab on a free local port, Debian's headless Chromium
driven by Playwright. Opens the stage-07 solution notebook, runs it, moves the input-size
slider of the complexity estimator and checks that the plot changes; then runs stage 06
and saves screenshots of both explorers to docs/screenshots/ (shown in the README).

Needs the system browser (`apt-get install chromium chromium-driver`; .ci/run does it).
Playwright cannot download its own browsers here, so it is pointed at /usr/bin/chromium.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser import chromium, needs_chromium

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
pytestmark = needs_chromium


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on copies of the stage 06 and 07 solution notebooks."""
    notebooks = tmp_path_factory.mktemp("lab")
    for stage in ("06_cam_family", "07_complexity"):
        shutil.copy(ROOT / "solutions" / stage / f"{stage}.ipynb", notebooks / f"{stage}.ipynb")
    port, token = free_port(), secrets.token_hex(16)
    jupyter = Path(sys.executable).with_name("jupyter")
    server = subprocess.Popen(
        [str(jupyter), "lab", "--no-browser", f"--port={port}", f"--ServerApp.token={token}",
         f"--ServerApp.root_dir={notebooks}", "--ServerApp.ip=127.0.0.1", "--LabApp.news_url=None", "--allow-root",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        cwd=notebooks, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PATH": f"{jupyter.parent}:{os.environ['PATH']}"})
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if time.time() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("JupyterLab did not start within 60 s")
            time.sleep(0.5)
    yield base, token
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


def open_and_run(browser, lab, notebook: str):
    base, token = lab
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    # a workspace of its own, reset: JupyterLab would otherwise reopen the other notebook's tab
    page.goto(f"{base}/lab/workspaces/{Path(notebook).stem}/tree/{notebook}?reset&token={token}")
    page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell", timeout=120_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle'], "
                           ".jp-Toolbar-kernelStatus, .jp-KernelStatus", timeout=120_000)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_text("Run All Cells", exact=True).click()
    return page


def image_sources(page) -> list[str]:
    return page.eval_on_selector_all(".widget-image", "images => images.map(i => i.src)")


def test_the_complexity_estimator_redraws_when_a_slider_moves(browser, lab):
    page = open_and_run(browser, lab, "07_complexity.ipynb")
    page.wait_for_selector(".widget-image", timeout=240_000)
    # ipywidgets shows an Image as a blob: URL; a new value gets a new URL
    page.wait_for_function("document.querySelectorAll('.widget-image')[0].src.length > 0", timeout=60_000)
    status = page.locator(".widget-html", has_text="one forward pass").first
    status.wait_for(timeout=60_000)
    before, status_before = image_sources(page)[0], status.inner_text()
    slider = page.locator(".widget-slider", has_text="input size").first
    slider.scroll_into_view_if_needed()
    readout = slider.locator(".widget-readout")
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("320")
    page.keyboard.press("Enter")
    page.wait_for_function("before => document.querySelectorAll('.widget-image')[0].src !== before", arg=before,
                           timeout=60_000)
    assert image_sources(page)[0] != before
    assert readout.inner_text().strip() == "320"
    page.wait_for_function("before => [...document.querySelectorAll('.widget-html')].some("
                           "e => e.innerText.includes('one forward pass') && e.innerText !== before)",
                           arg=status_before, timeout=60_000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".jp-OutputArea-output", has=page.locator(".widget-image")).first.screenshot(
        path=str(SCREENSHOTS / "complexity_estimator.png"))
    page.close()


def test_the_saliency_explorer_renders_its_maps(browser, lab):
    page = open_and_run(browser, lab, "06_cam_family.ipynb")
    page.wait_for_selector(".widget-tab .widget-image", timeout=300_000)
    page.wait_for_function("document.querySelector('.widget-tab .widget-image').src.length > 0", timeout=60_000)
    status = page.locator(".widget-tab .widget-html", has_text="map(s) in").first
    status.wait_for(timeout=60_000)
    assert "map(s) in" in status.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".jp-OutputArea-output", has=page.locator(".widget-tab")).first.screenshot(
        path=str(SCREENSHOTS / "saliency_explorer.png"))
    page.close()
