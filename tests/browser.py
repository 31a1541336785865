"""Debian's headless Chromium, driven by Playwright, for the tests that look at pages as a person does.

Playwright cannot download its own browsers here; it is pointed at the system's Chromium
(``apt-get install chromium``: ``make test`` installs it as root).
"""

from __future__ import annotations

import contextlib
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
INSTALL_CHROMIUM = "no system Chromium: install it with `apt-get install chromium` (as root; make test does it)"

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason=INSTALL_CHROMIUM)


@contextlib.contextmanager
def chromium():
    """A headless Chromium (Playwright's Browser), closed on leaving."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-dev-shm-usage",
                                                   "--disable-background-networking", "--disable-component-update"])
        try:
            yield browser
        finally:
            browser.close()
