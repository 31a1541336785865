"""Math in feedback pages as MathML, rendered by the browser itself: no MathJax, no network, nothing to load.

nbconvert leaves LaTeX in the page (``$x_i$``, ``$$...$$``, ``\\(...\\)``, ``\\[...\\]``,
``\\begin{env}...\\end{env}``, HTML-escaped) for MathJax to typeset from a CDN, so a page opened offline,
or inside an LMS that blocks scripts, shows raw TeX. ``offline_math`` (a Jinja filter of the course's
feedback template, see ``nbgrader_config.py``) turns every such span outside code into MathML
with latex2mathml; Firefox, Safari and Chromium (109+) render MathML natively.

    >>> offline_math('<p>the map $S_c(x)$</p>')[:52]
    '<p>the map <math xmlns="http://www.w3.org/1998/Math/'

Text in ``<pre>``, ``<code>``, ``<script>``, ``<style>`` and existing ``<math>`` is left alone; TeX that
latex2mathml cannot read stays as it was, in a ``<code class="tex">``.
"""

from __future__ import annotations

import html
import re

try:
    from latex2mathml.converter import convert as _convert
except ImportError as error:  # pragma: no cover - the instructor extra installs it
    raise ImportError("feedback pages render their math with latex2mathml: install the course's instructor extra "
                      "(make install) or `pip install latex2mathml`") from error

#: Parts of the page that are never math.
PROTECTED = re.compile(r"(<(pre|code|script|style|math|textarea)\b.*?</\2\s*>)", re.S | re.I)

MATH = re.compile(
    r"\$\$(?P<display>.+?)\$\$"
    r"|\\\[(?P<bracket>.+?)\\\]"
    r"|\\\((?P<paren>.+?)\\\)"
    r"|(?P<env>\\begin\{(?P<name>[A-Za-z]+\*?)\}.+?\\end\{(?P=name)\})"
    r"|(?<![\\$])\$(?P<inline>[^$]+?)(?<![\\\s])\$(?!\d)",
    re.S,
)


def to_mathml(tex: str, display: bool) -> str:
    """One TeX formula (HTML-escaped, as nbconvert wrote it) as MathML; unreadable TeX kept visible."""
    source = html.unescape(tex).strip()
    try:
        return _convert(source, display="block" if display else "inline")
    except Exception:  # noqa: BLE001 (latex2mathml raises many kinds; the page must still be written)
        return f'<code class="tex">{html.escape(source)}</code>'


def _replace(match: re.Match) -> str:
    if match.group("display") is not None:
        return to_mathml(match.group("display"), True)
    if match.group("bracket") is not None:
        return to_mathml(match.group("bracket"), True)
    if match.group("paren") is not None:
        return to_mathml(match.group("paren"), False)
    if match.group("env") is not None:
        return to_mathml(match.group("env"), True)
    if "\n\n" in match.group("inline"):
        return match.group(0)
    return to_mathml(match.group("inline"), False)


def offline_math(page: str) -> str:
    """``page`` (HTML) with every LaTeX span outside code replaced by MathML."""
    parts = PROTECTED.split(str(page))
    out = []
    index = 0
    while index < len(parts):
        out.append(MATH.sub(_replace, parts[index]))
        if index + 1 < len(parts):
            out.append(parts[index + 1])  # the protected element, verbatim
        index += 3  # split() also returns the tag name group
    return "".join(out)
