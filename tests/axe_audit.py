"""axe-core's automated WCAG 2.1 A and AA audit of a page open in headless Chromium (Playwright), as the tests
run it on the course's pages (tests/results/test_feedback_accessibility.py).

axe-core comes from the PyPI package ``axe-playwright-python`` (the ``test`` extra in pyproject.toml), which ships
axe-core's own ``axe.min.js`` (axe-core 4.12.1 in version 0.1.8) beside its Python code: ``make test`` installs it
with pip like every other test dependency, with no Node.js or npm on the machine. Only that file is used: it is
injected into the page and ``axe.run`` is called here, with the WCAG 2.1 A and AA rules only (axe's
"best-practice" rules are advice, not the standard).
"""

from __future__ import annotations

from .browser import CHROMIUM, INSTALL_CHROMIUM  # noqa: F401 (the audit's tests skip without it)
#: axe-core's tags for the rules of WCAG 2.0 and 2.1, levels A and AA.
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_source() -> str:
    """axe-core's ``axe.min.js`` as the installed package ships it."""
    from axe_playwright_python.base import AXE_FILE_PATH

    return AXE_FILE_PATH.read_text(encoding="utf-8")


def audit(page) -> dict:
    """axe-core's results for the page open in ``page`` (a Playwright page): ``violations``, ``passes``,
    ``testEngine`` (axe's name and version), ..."""
    page.evaluate(axe_source())
    return page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_21_AA)


def described(violations: list) -> str:
    """One line per element of each violation: the rule, its impact, the element and what axe says to fix."""
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"{violation['id']} ({violation['impact']}) {node['target']}: {summary}")
    return "\n".join(lines)
