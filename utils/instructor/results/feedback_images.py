"""Smaller pictures in feedback pages: PNG outputs re-encoded with at most 256 colours and at most 1000 px wide.

nbconvert embeds every figure of a notebook as base64 PNG; matplotlib's figures of saliency maps are
full-colour PNGs of 100-400 kB each, which made a graded notebook's feedback page megabytes large.
A plot reads as well in 256 colours (the colour maps have 256 entries) and at screen width, at a third
of the size or less. A picture that would not get smaller is kept as it was.

A GenerateFeedback preprocessor (``nbgrader_config.py``)::

    c.GenerateFeedback.preprocessors = [..., "utils.instructor.results.feedback_images.ShrinkImages"]
"""

from __future__ import annotations

import base64
import io

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Integer


def shrink_png(data: bytes, max_width: int = 1000, colors: int = 256) -> bytes:
    """``data`` (a PNG) at most ``max_width`` px wide with at most ``colors`` colours; the original if smaller."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.load()
        if image.width > max_width:
            image = image.resize((max_width, max(1, round(image.height * max_width / image.width))),
                                 Image.Resampling.LANCZOS)
        mode = "RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB"
        small = image.convert(mode).quantize(colors=colors, method=Image.Quantize.FASTOCTREE)
        out = io.BytesIO()
        small.save(out, format="PNG", optimize=True)
    return out.getvalue() if out.tell() < len(data) else data


class ShrinkImages(Preprocessor):
    """Re-encode every ``image/png`` output of the notebook with ``shrink_png``."""

    # nbgrader registers its converters' preprocessors without enabling them; nbconvert's are off by default.
    enabled = Bool(True, help="shrink pictures").tag(config=True)
    max_width = Integer(1000, help="widest picture in pixels; wider ones are scaled down").tag(config=True)
    colors = Integer(256, help="colours per picture").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []):
            encoded = output.get("data", {}).get("image/png")
            if not encoded:
                continue
            data = base64.b64decode(encoded if isinstance(encoded, str) else "".join(encoded))
            smaller = shrink_png(data, self.max_width, self.colors)
            if smaller is not data:
                output["data"]["image/png"] = base64.b64encode(smaller).decode("ascii")
        return cell, resources
