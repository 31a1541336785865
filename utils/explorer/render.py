"""Matplotlib figures as PNG bytes for ipywidgets.Image (works without a kernel, and in a browser)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.pyplot as plt  # noqa: E402


def figure_png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def show_in_notebook(widget) -> None:
    """Display ``widget`` when running inside Jupyter; do nothing elsewhere (scripts, tests)."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return
    if get_ipython() is not None:
        display(widget)
