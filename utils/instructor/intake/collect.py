"""Take a folder (or a .zip) of student submissions into nbgrader's submitted/ directory.

    python -m utils.instructor collect SUBMISSIONS [--roster students.csv]

Accepted layouts, mixed freely (SUBMISSIONS may also be the downloaded .zip itself,
and a download .zip may lie inside the folder):

* one folder per student, named by student id: ``jsmith/**.ipynb`` (any names, any depth);
* one archive per student: ``jsmith.zip`` holding notebooks;
* nbgrader zip_collect style: ``ps1_jsmith_attempt_2026-11-20-12-00-00_01_vanilla_gradients.ipynb``;
* Canvas's "Download Submissions": ``smithjane_12345_678901_01_vanilla_gradients.ipynb``
  (``smithjane_late_12345_...`` when late; a student's .zip is unpacked);
* Moodle's "Download all submissions": folders ``Jane Smith_1234567_assignsubmission_file_/``
  holding the files as uploaded (``..._assignsubmission_onlinetext_/`` is ignored), or
  the same names as flat files.

The names are described in ``lms_names``. Canvas and Moodle name students by their
own ids and names, so their files are mapped to student ids through the roster
(``roster``: nbgrader's student CSV, imported with ``--roster`` or beforehand with
``python -m utils.instructor roster``). A submitter the roster does not know is
reported and nothing is collected for them; no student is invented.

Each notebook's stage is recognised from its graded cells, so renamed files are fine;
a notebook that has none of a stage's own graded cells is refused, whatever its name.
When a student handed in one stage several times, one is kept and the summary says
which and why: the later timestamp of nbgrader attempt names; for Canvas the larger
file id (Canvas numbers uploads in order; its names carry no time); otherwise the
file's modification time (Moodle's names carry no time either). The kept one replaces
everything of earlier collects for that stage, including the autograded notebook and
feedback. A file that cannot be graded (invalid JSON, wrong nbformat, no course
cells) is reported with a reason and the batch goes on; a student whose only file
was unreadable still gets a gradebook row, a stray file never makes one.

A kept hand-in from a Canvas or Moodle download keeps the name the LMS gave it, in
``submitted/<student>/<stage>/lms_origin.json`` (``lms_origin``): the feedback goes back
to that LMS under that name (``make feedback FORMAT=canvas|moodle``).
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .hand_in_time import FORMAT as TIMESTAMP_FORMAT
from .hand_in_time import NOTE_FILE, hand_in_time
from .identify import UnreadableNotebook, edited_readonly_cells, identify_stage, read_submission
from .lms_names import ATTEMPT, CANVAS, MOODLE, LmsName, parse_file_name, parse_folder_name
from .lms_origin import record_origin
from ..paths import Course
from ..prepare.schedule import course_schedule
from .roster import STUDENT_ID, Roster, UnknownSubmitter, gradebook_students, import_roster

IGNORED_SUFFIXES = {".csv", ".md", ".txt"}  # class lists and notes next to the submissions

LAYOUTS = """\
  one folder per student id:     jsmith/01_vanilla_gradients.ipynb (any notebook names, any depth)
  one zip per student id:        jsmith.zip
  nbgrader zip_collect names:    ps1_jsmith_attempt_2026-11-20-12-00-00_01_vanilla_gradients.ipynb
  Canvas "Download Submissions": smithjane_12345_678901_01_vanilla_gradients.ipynb (or the download's .zip)
  Moodle "Download all":         Jane Smith_1234567_assignsubmission_file_/01_vanilla_gradients.ipynb"""


class CollectError(Exception):
    """A call of collect that cannot work; the message says how to call it."""


class SubmissionsNotFound(CollectError, FileNotFoundError):
    """The SUBMISSIONS path does not exist."""


class NothingToCollect(CollectError):
    """The folder holds nothing in any accepted layout."""


@dataclass
class Candidate:
    who: str                 # how messages name the submitter
    path: Path
    timestamp: dt.datetime
    basis: str               # where the timestamp came from: "name", "zip", "mtime" or "exchange"
    student: str | None = None
    lms: LmsName | None = None
    secret: str | None = None  # nbgrader's submission secret (exchange hand-ins): names the feedback page


@dataclass
class CollectReport:
    collected: dict = field(default_factory=dict)   # (student, stage) -> source file name
    problems: list = field(default_factory=list)    # (who, file, reason); who is a student id when known
    edited: dict = field(default_factory=dict)      # (student, stage) -> read-only grade ids changed or deleted
    kept: dict = field(default_factory=dict)        # (student, stage) -> why this hand-in won over the others
    late: set = field(default_factory=set)          # (student, stage) Canvas marked late
    matched: dict = field(default_factory=dict)     # LMS submitter label -> (student id, how)
    ignored: list = field(default_factory=list)     # files that are not notebooks (PDFs, online text, ...)
    enrolled: set = field(default_factory=set)      # students given a gradebook row by this collect
    unchanged: set = field(default_factory=set)     # (student, stage) whose exchange hand-in was collected before

    def summary(self) -> str:
        lines = [f"collected {len(self.collected)} notebook(s) from "
                 f"{len({s for s, _ in self.collected})} student(s)"]
        by_how = {}
        for _, how in self.matched.values():
            by_how[how] = by_how.get(how, 0) + 1
        if by_how:
            lines.append(f"  matched {len(self.matched)} LMS submitter(s) to the roster ("
                         + ", ".join(f"{n} by {how}" for how, n in sorted(by_how.items())) + ")")
        if self.unchanged:
            lines.append(f"  {len(self.unchanged)} hand-in(s) in the exchange collected before and unchanged: "
                         "left as they are (with their grades and feedback)")
        lines += [f"  KEPT {student} {stage}: {why}" for (student, stage), why in sorted(self.kept.items())]
        lines += [f"  LATE {student} {stage}: handed in after the due date (Canvas named it late_)"
                  for student, stage in sorted(self.late)]
        by_reason = {}
        for who, _, reason in self.problems:  # one line for many submitters with one reason (e.g. no roster)
            by_reason.setdefault(reason, []).append(who)
        for reason, whos in by_reason.items():
            shown = ", ".join(whos[:3]) + (f" and {len(whos) - 3} more" if len(whos) > 3 else "")
            lines.append(f"  PROBLEM {shown}: {reason}")
        lines += [f"  NOTICE {student} {stage}: read-only cells edited or deleted: {', '.join(ids)} "
                  "(restored from the gradebook when grading)" for (student, stage), ids in self.edited.items()]
        if self.ignored:
            shown = ", ".join(self.ignored[:5]) + (", ..." if len(self.ignored) > 5 else "")
            lines.append(f"  IGNORED {len(self.ignored)} file(s) that are not notebooks: {shown}")
        return "\n".join(lines)


def _mtime(path: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(path.stat().st_mtime)


def _safe_members(zf: zipfile.ZipFile, wanted=lambda name: name.endswith(".ipynb")) -> list[str]:
    return [m for m in zf.namelist() if wanted(m) and "__MACOSX" not in m and ".ipynb_checkpoints" not in m
            and not Path(m).is_absolute() and ".." not in Path(m).parts]


def _lms_submitter(member: str):
    """The Canvas or Moodle submitter a zip member's path names (at any depth), or None."""
    parts = [part for part in member.split("/") if part]
    for folder in parts[:-1]:
        if parse_folder_name(folder):
            return parse_folder_name(folder)
    named = parse_file_name(parts[-1]) if parts and not member.endswith("/") else None
    return named if named and named.lms in (CANVAS, MOODLE) else None


def _is_lms_download(archive: Path) -> bool:
    """A Canvas or Moodle download (also re-zipped inside a folder), not one student's zip: its
    members name two or more submitters, or every notebook in it is named after one."""
    try:
        with zipfile.ZipFile(archive) as zf:
            notebooks = [m for m in zf.namelist() if m.endswith(".ipynb") and "__MACOSX" not in m]
            submitters = {_lms_submitter(m).label for m in zf.namelist() if _lms_submitter(m)}
    except zipfile.BadZipFile:
        return False
    return len(submitters) > 1 or bool(submitters and all(_lms_submitter(m) for m in notebooks))


def _unpack_download(archive: Path, unpack_dir: Path) -> Path:
    """The download unpacked; the folder that holds the submissions (below wrapping single folders)."""
    target = Path(tempfile.mkdtemp(prefix="download-", dir=unpack_dir))
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(target, _safe_members(zf, lambda name: not name.endswith("/")))
    while True:
        entries = [e for e in target.iterdir() if e.name != "__MACOSX" and not e.name.startswith(".")]
        if len(entries) != 1 or not entries[0].is_dir() or parse_folder_name(entries[0].name):
            return target
        target = entries[0]


def _from_zip(archive: Path, who: str, unpack_dir: Path, report: CollectReport, student=None, lms=None):
    target = Path(tempfile.mkdtemp(prefix="zip-", dir=unpack_dir))
    try:
        with zipfile.ZipFile(archive) as zf:
            members = _safe_members(zf)
            zf.extractall(target, members)
            times = {m: dt.datetime(*zf.getinfo(m).date_time) for m in members}
    except zipfile.BadZipFile:
        report.problems.append((who, archive.name, "not a valid zip archive"))
        return []
    return [Candidate(who, target / m, times[m], "zip", student, lms) for m in members]


def _files_in(folder: Path, who: str, unpack_dir: Path, report: CollectReport, student=None, lms=None):
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if ".ipynb_checkpoints" in path.parts or path.name.startswith("."):
            continue
        if path.suffix == ".ipynb":
            found.append(Candidate(who, path, _mtime(path), "mtime", student, lms))
        elif path.suffix == ".zip":
            found.extend(_from_zip(path, who, unpack_dir, report, student, lms))
        else:
            report.ignored.append(f"{folder.name}/{path.relative_to(folder)}")
    return found


def _candidates(submissions: Path, unpack_dir: Path, report: CollectReport) -> list[Candidate]:
    found = []
    for entry in sorted(submissions.iterdir()):
        if entry.name.startswith(".") or entry.name == "__MACOSX" or entry.suffix in IGNORED_SUFFIXES:
            continue
        folder_lms = parse_folder_name(entry.name) if entry.is_dir() else None
        file_lms = parse_file_name(entry.name) if entry.is_file() else None
        if folder_lms:
            if folder_lms.plugin == "file":
                found.extend(_files_in(entry, folder_lms.label, unpack_dir, report, lms=folder_lms))
            else:
                report.ignored.append(entry.name + "/")
        elif entry.is_dir():
            found.extend(_files_in(entry, entry.name, unpack_dir, report, student=entry.name))
        elif file_lms and entry.suffix == ".ipynb":
            if file_lms.timestamp:
                found.append(Candidate(file_lms.label, entry, file_lms.timestamp, "name", lms=file_lms))
            else:
                found.append(Candidate(file_lms.label, entry, _mtime(entry), "mtime", lms=file_lms))
        elif file_lms and entry.suffix == ".zip":
            found.extend(_from_zip(entry, file_lms.label, unpack_dir, report, lms=file_lms))
        elif file_lms:
            report.ignored.append(entry.name)
        elif entry.suffix == ".zip" and _is_lms_download(entry):
            found.extend(_candidates(_unpack_download(entry, unpack_dir), unpack_dir, report))
        elif entry.suffix == ".zip":
            found.extend(_from_zip(entry, entry.stem, unpack_dir, report, student=entry.stem))
        else:
            report.problems.append((entry.name, entry.name,
                                    "not a notebook in a recognised layout, a folder or a .zip; skipped"))
    return found


def _resolve(candidates: list[Candidate], roster: Roster, report: CollectReport) -> list[Candidate]:
    """Give every candidate a student id: its folder's, or the roster's for an LMS submitter."""
    resolved, refused = [], set()
    for candidate in candidates:
        if candidate.student is None and candidate.lms is not None:
            if candidate.lms.label in refused:
                continue
            try:
                candidate.student, how = roster.resolve(candidate.lms)
            except UnknownSubmitter as error:
                refused.add(candidate.lms.label)
                report.problems.append((candidate.lms.label, candidate.path.name, str(error)))
                continue
            if candidate.lms.lms != ATTEMPT:
                report.matched[candidate.lms.label] = (candidate.student, how)
        if not STUDENT_ID.match(candidate.student):
            report.problems.append((candidate.student, candidate.path.name,
                                    "student id may only hold letters, digits, '-', '_' and '.'"))
            continue
        resolved.append(candidate)
    return resolved


def _choose(candidates: list[Candidate]) -> tuple[Candidate, str]:
    """The hand-in to keep among one student's several of one stage, and why (for the summary)."""
    if all(c.lms and c.lms.lms == CANVAS for c in candidates):
        kept = max(candidates, key=lambda c: (c.lms.file_id, c.lms.copy))
        basis = (f"the largest Canvas file id ({kept.lms.file_id}; Canvas numbers uploads in order, "
                 "its names carry no time)")
    elif all(c.basis == "exchange" for c in candidates):
        kept = max(candidates, key=lambda c: c.timestamp)
        basis = f"the latest hand-in through the exchange ({kept.timestamp:%Y-%m-%d %H:%M:%S} UTC)"
    elif all(c.basis == "name" for c in candidates):
        kept = max(candidates, key=lambda c: c.timestamp)
        basis = f"the latest timestamp in the file name ({kept.timestamp:%Y-%m-%d %H:%M:%S})"
    else:
        kept = max(candidates, key=lambda c: (c.timestamp, c.path.name))
        sources = {"zip": "time stored in the zip", "mtime": "file modification time",
                   "name": "timestamp in the name", "exchange": "exchange's timestamp"}
        used = " / ".join(sorted({sources[c.basis] for c in candidates}))
        basis = f"the latest {used} ({kept.timestamp:%Y-%m-%d %H:%M:%S}"
        basis += ")" if any(c.basis == "name" for c in candidates) else "; the names carry no time)"
        if sum(c.timestamp == kept.timestamp for c in candidates) > 1:
            basis += "; equal times, so the last by file name"
    others = ", ".join(c.path.name for c in candidates if c is not kept)
    return kept, f"kept {kept.path.name}, not {others}: {basis}"


def _open(submissions: Path, unpack_dir: Path) -> Path:
    if not submissions.exists():
        raise SubmissionsNotFound(f"no folder or file {submissions}: pass the folder of submissions (or the "
                                  f"LMS's download .zip), e.g. make collect SUBMISSIONS=~/Downloads/submissions")
    if submissions.is_dir():
        return submissions
    if zipfile.is_zipfile(submissions):
        return _unpack_download(submissions, unpack_dir)
    raise CollectError(f"{submissions} is a file but not a .zip: pass the folder that holds the submissions "
                       "(or the LMS's download .zip)")


def collect(submissions, course: Course = Course(), log=print, roster=None, exchange=None,
            max_handin_bytes: int = 50 << 20, only_stage: str | None = None) -> CollectReport:
    """Collect ``submissions`` into ``course``; ``roster``: an nbgrader student CSV to import first.
    ``submissions`` None: the hand-ins in the hub's ``exchange`` (``hub.exchange.ClassExchange``), each at most
    ``max_handin_bytes`` (``only_stage``: those handed in for that stage only, as formgrader's Collect button asks).

    Raises SubmissionsNotFound, NothingToCollect or CollectError (messages say what to
    pass) and RosterError for an unusable roster; everything about single files is in
    the returned report."""
    report = CollectReport()
    chosen: dict[tuple[str, str], list[tuple[Candidate, nbformat.NotebookNode]]] = {}
    with tempfile.TemporaryDirectory() as unpack:
        if submissions is None:
            candidates = _from_exchange(exchange, max_handin_bytes, report, only_stage)
        else:
            submissions = Path(submissions).expanduser()
            folder = _open(submissions, Path(unpack))
            candidates = _candidates(folder, Path(unpack), report)
            if not candidates:
                _nothing_to_collect(submissions, report)
        if roster is not None:
            imported = import_roster(roster, course)
            log(f"roster: {len(imported)} student(s) from {roster} in the gradebook")
        known = Roster(gradebook_students(course))
        unreadable = set()
        for candidate in _resolve(candidates, known, report):
            try:
                nb = read_submission(candidate.path)
                stage = identify_stage(nb, candidate.lms.file if candidate.lms and candidate.lms.file
                                       else candidate.path.name)
            except UnreadableNotebook as error:
                report.problems.append((candidate.student, candidate.path.name, str(error)))
                unreadable.add(candidate.student)
                continue
            chosen.setdefault((candidate.student, stage), []).append((candidate, nb))
        for (student, stage), handed_in in sorted(chosen.items()):
            candidate, nb = handed_in[0]
            if len(handed_in) > 1:
                candidate, why = _choose([c for c, _ in handed_in])
                nb = next(n for c, n in handed_in if c is candidate)
                report.kept[(student, stage)] = why
            if _already_collected(course, student, stage, candidate):
                report.unchanged.add((student, stage))
                continue
            _store(course, student, stage, candidate, nb)
            report.collected[(student, stage)] = candidate.path.name
            if candidate.lms and candidate.lms.late:
                report.late.add((student, stage))
            edited = edited_readonly_cells(nb, stage)
            if edited:
                report.edited[(student, stage)] = edited
    report.enrolled = {s for s, _ in report.collected} | unreadable
    _enrol(course, report.enrolled)
    _keep_unreadable(course, report, unreadable)
    log(report.summary())
    return report


def _already_collected(course: Course, student: str, stage: str, candidate: Candidate) -> bool:
    """Whether ``candidate`` is the exchange hand-in collected last time (nbgrader's submission secret is new for
    every submit): hand-ins stay in the exchange, and collecting one again would throw its grade away."""
    stored = course.submitted / student / stage / "submission_secret.txt"
    return bool(candidate.secret) and stored.is_file() and stored.read_text() == candidate.secret


def _from_exchange(exchange, max_bytes: int, report: CollectReport, only_stage: str | None = None) -> list[Candidate]:
    """One candidate per notebook of every hand-in the exchange holds (refusals go to the report)."""
    from .exchange_intake import exchange_hand_ins

    if exchange is None:
        raise CollectError("no SUBMISSIONS and no exchange: pass the folder of submissions (or the LMS's download "
                           ".zip), or collect from the hub's exchange")
    accepted, refused = exchange_hand_ins(exchange, max_bytes, only_stage)
    report.problems.extend(refused)
    if not accepted and not refused:
        raise NothingToCollect(f"nothing has been handed in through the exchange at {exchange.course_path} yet")
    return [Candidate(hand_in.folder_of, notebook, hand_in.timestamp, "exchange", student=hand_in.folder_of,
                      secret=hand_in.secret) for hand_in, notebook in accepted]


def _keep_unreadable(course: Course, report: CollectReport, unreadable: set) -> None:
    """Remember, for the grade table, which students' files could not be read (their stage is unknown)."""
    from ..gradebook.collect_problems import keep_collect_problems

    keep_collect_problems(course, {student: [{"file": file, "reason": reason} for who, file, reason
                                             in report.problems if who == student] for student in unreadable})


def _nothing_to_collect(submissions: Path, report: CollectReport) -> None:
    seen = [who for who, _, _ in report.problems] + report.ignored
    found = (f"it holds only {', '.join(seen[:5])}{', ...' if len(seen) > 5 else ''}" if seen
             else "it is empty")
    raise NothingToCollect(f"nothing to collect in {submissions}: {found}. Expected notebooks in one of "
                           f"these layouts (mixed freely):\n{LAYOUTS}")


def _store(course: Course, student: str, stage: str, candidate: Candidate, nb) -> None:
    # First: a schedule.csv that cannot be read stops collect before anything is replaced.
    moment, note = hand_in_time(candidate, course_schedule(course)[stage])
    for old in (course.submitted / student / stage, course.autograded / student / stage,
                course.feedback / student / stage):
        shutil.rmtree(old, ignore_errors=True)
    destination = course.submitted / student / stage
    destination.mkdir(parents=True)
    nbformat.write(nb, str(destination / f"{stage}.ipynb"))
    (destination / "timestamp.txt").write_text(moment.strftime(TIMESTAMP_FORMAT))  # see hand_in_time.py
    if note:  # the time is not the hand-in's own (a Canvas late_ mark): the grade table shows why
        (destination / NOTE_FILE).write_text(note + "\n")
    if candidate.secret:  # nbgrader's feedback page for an exchange hand-in is named by it
        (destination / "submission_secret.txt").write_text(candidate.secret)
    record_origin(destination, candidate.lms)  # the Canvas or Moodle name, for the feedback's bulk upload


def _enrol(course: Course, students: set) -> None:
    """Every student who handed in something readable, or whose own file could not be read,
    is in the gradebook (the latter with 0 in the grade CSV instead of vanishing). Names of
    stray files and of submitters the roster does not know never become students."""
    if not students:
        return
    from ..gradebook.students import enrol

    enrol(course, sorted(s for s in students if STUDENT_ID.match(s)))
