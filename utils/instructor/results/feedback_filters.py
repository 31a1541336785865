"""What a student's feedback may show: results and messages, not the hidden tests."""

from __future__ import annotations

import re

from nbgrader.preprocessors import ClearHiddenTests

ANSI = re.compile(r"\x1b\[[0-9;]*m")


class HideHiddenTests(ClearHiddenTests):
    """Remove hidden-test code from test cells, and reduce their tracebacks to the message.

    A traceback would show the lines around the failing call, including the
    grader's own code and the inputs it used; the message (``AssertionError:
    ...``) is written for the student and is kept.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        had_hidden = "BEGIN HIDDEN TESTS" in cell.source
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if had_hidden and cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {ANSI.sub('', str(output.evalue))}"]
        return cell, resources
