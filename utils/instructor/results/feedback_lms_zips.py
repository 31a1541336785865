"""The feedback pages back into Canvas or Moodle in one upload per stage (``make feedback FORMAT=canvas|moodle``).

Each LMS takes feedback files back in bulk only under the names of its own download, so every page is named after
the hand-in collect kept for that student and stage (``intake/lms_origin.py`` recorded that name)::

    feedback_uploads/canvas/01_vanilla_gradients.zip        Canvas: "Re-Upload Submissions" of the assignment
        smithjane_late_12345_678950_01_vanilla_gradients-1.html
        nguyenbao_22222_678902_homework.html

    feedback_uploads/moodle/01_vanilla_gradients.zip        Moodle: "Upload multiple feedback files in a zip"
        Jane Smith_1234567_assignsubmission_file_/01_vanilla_gradients.html
        Participant_7654321_assignsubmission_file_/01_vanilla_gradients.html

**Canvas** (``Assignment#generate_comments_from_files`` and ``#infer_comment_context_from_filename`` in canvas-lms)
reads, from each file's base name split at ``_``, the first two parts that are all digits as the student's user id
and the id of the file they submitted, and attaches the file as a comment to that submission; a name whose file id
is not one of that submission's files is ignored. So a page is named as Canvas named the downloaded hand-in
(``<name>[_late]_<user id>_<file id>_<file as uploaded>``), with ``.html`` in place of the file's extension.

**Moodle** (``assignfeedback_file_zip_importer::is_valid_filename_for_import`` in mod/assign/feedback/file) splits
each path part at ``_`` and reads the part after the first ``_`` as the participant id and the next two as the
plugin (``assignsubmission_file``); what follows is the feedback file's name. So a page goes into a folder named
as Moodle named the participant's download folder (taken from the flat file name's prefix where the download had
no folders), as ``<stage>.html``.

Canvas file ids and Moodle participant ids belong to one assignment, and each stage is one assignment there: hence
one zip per stage. A page whose hand-in did not come from that LMS's download (a student's own folder or zip, the
other LMS) has no name there: it is listed with the reason, never dropped silently.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..intake.lms_names import CANVAS, MOODLE, parse_file_name, parse_folder_name
from ..intake.lms_origin import LmsOrigin, UnreadableLmsOrigin, read_origin
from ..paths import Course

#: The formats ``make feedback FORMAT=...`` takes, and the LMS each one is for.
LMS_FORMATS = {"canvas": CANVAS, "moodle": MOODLE}
#: Where each LMS's upload is found in the LMS, for the message that names the zips.
WHERE_TO_UPLOAD = {
    CANVAS: 'in each assignment of Canvas: "Re-Upload Submissions" (beside "Download Submissions")',
    MOODLE: 'in each assignment of Moodle (with "Feedback files" on): "View all submissions", then the grading '
            'action "Upload multiple feedback files in a zip"',
}
#: Fixed time stamp for the files in a zip, so that the same pages give the same zip.
ZIP_TIME = (2000, 1, 1, 0, 0, 0)


class UnknownLmsFormat(ValueError):
    """A format that is neither Canvas's nor Moodle's bulk upload."""


@dataclass(frozen=True)
class LeftOut:
    """A feedback page that is not in the zip, and why."""

    student: str
    stage: str
    page: Path
    why: str


@dataclass
class FeedbackUploads:
    """What ``write_lms_zips`` wrote: ``zips`` (stage -> zip), ``members`` ((student, stage) -> name in the zip),
    and the pages ``left_out`` of every zip, with the reason."""

    lms: str
    zips: dict = field(default_factory=dict)
    members: dict = field(default_factory=dict)
    left_out: list = field(default_factory=list)

    def summary(self, root: Path) -> str:
        lines = []
        for stage, path in sorted(self.zips.items()):
            count = sum(1 for _, s in self.members if s == stage)
            lines.append(f"{self.lms}: {path.relative_to(root)} with {count} page(s)")
        if self.zips:
            lines.append(f"  upload each zip {WHERE_TO_UPLOAD[self.lms]}")
        else:
            lines.append(f"{self.lms}: no zip written: no feedback page came from a {self.lms} download")
        lines += [f"  NOT IN THE ZIP {item.student} {item.stage}: {item.why}; hand over "
                  f"{item.page.relative_to(root)} another way" for item in self.left_out]
        return "\n".join(lines)


def uploads_folder(course: Course, lms: str) -> Path:
    """``feedback_uploads/canvas`` or ``feedback_uploads/moodle``."""
    return course.root / "feedback_uploads" / lms.lower()


def lms_of(format_name: str) -> str:
    """CANVAS or MOODLE for ``canvas`` or ``moodle``; any other name is refused with the ones there are."""
    try:
        return LMS_FORMATS[format_name.lower()]
    except KeyError:
        raise UnknownLmsFormat(f"no bulk feedback upload for {format_name!r}: use one of "
                               f"{', '.join(LMS_FORMATS)} (make feedback FORMAT=canvas), or no FORMAT for the "
                               "pages in feedback/ only") from None


def moodle_folder(downloaded_as: str) -> str:
    """The participant's folder as Moodle names it, from the download's folder or flat file name.

    >>> moodle_folder("Jane Smith_1234567_assignsubmission_file_")
    'Jane Smith_1234567_assignsubmission_file_'
    >>> moodle_folder("Jane Smith_1234567_assignsubmission_file_homework.ipynb")
    'Jane Smith_1234567_assignsubmission_file_'
    """
    if parse_folder_name(downloaded_as):
        return downloaded_as
    flat = parse_file_name(downloaded_as)
    if flat is None or flat.lms != MOODLE:
        raise UnreadableLmsOrigin(f"{downloaded_as!r} is not a name from a Moodle download: collect the "
                                  "download again (make collect SUBMISSIONS=...)")
    return downloaded_as[: len(downloaded_as) - len(flat.file)]


def upload_name(origin: LmsOrigin, stage: str) -> str:
    """The page's name in its LMS's zip: Canvas's downloaded file name with ``.html``, or Moodle's participant
    folder with ``<stage>.html`` in it."""
    if origin.lms == CANVAS:
        return PurePosixPath(origin.downloaded_as).stem + ".html"
    return f"{moodle_folder(origin.downloaded_as)}/{stage}.html"


def _why_not(origin: LmsOrigin | None, lms: str) -> str:
    if origin is None:
        return (f"handed in as a student folder, a zip or nbgrader's attempt names, not in a {lms} download, so "
                f"{lms} has no name for it")
    return f"handed in through a {origin.lms} download, not {lms}'s (make feedback FORMAT={origin.lms.lower()})"


def write_lms_zips(course: Course, format_name: str, pages: list, log=print) -> FeedbackUploads:
    """One zip per stage in ``uploads_folder`` with each of ``pages`` (``feedback/<student>/<stage>/<stage>.html``,
    as ``generate_feedback`` returns them) whose hand-in came from the LMS's download, named as that LMS takes it
    back; the others are listed in the result and the log. Zips of earlier runs for stages without pages now are
    removed, so the folder holds exactly this run's uploads."""
    lms = lms_of(format_name)
    result = FeedbackUploads(lms)
    by_stage: dict[str, dict[str, Path]] = {}
    for page in sorted(Path(p) for p in pages):
        student, stage = page.parent.parent.name, page.parent.name
        origin = read_origin(course.submitted / student / stage)
        if origin is None or origin.lms != lms:
            result.left_out.append(LeftOut(student, stage, page, _why_not(origin, lms)))
            continue
        name = upload_name(origin, stage)
        result.members[(student, stage)] = name
        by_stage.setdefault(stage, {})[name] = page
    folder = uploads_folder(course, lms)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.zip"):
        if stale.stem not in by_stage:
            stale.unlink()
    for stage, members in sorted(by_stage.items()):
        result.zips[stage] = _write_zip(folder / f"{stage}.zip", members)
    log(result.summary(course.root))
    return result


def _write_zip(target: Path, members: dict) -> Path:
    """``target`` holding each page under its name, written atomically."""
    with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".zip.tmp", delete=False) as handle:
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            for name, page in sorted(members.items()):
                info = zipfile.ZipInfo(name, ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, page.read_bytes())
    os.chmod(handle.name, 0o644)
    os.replace(handle.name, target)
    return target
