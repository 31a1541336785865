"""What the class got wrong, and who handed in the same code: the class report's numbers, as typed objects.

Read from what grading already keeps; nothing is run again:

    gradebook + grading_status.json   each student's score and what happened to each notebook, how late it was
                                      handed in and the late penalty (``grades.py``)
    the judge's Verdicts              each test cell's outcome and the classic mistake named (grading_status.json)
    submitted/<student>/<stage>/      the code of the exercise cells, compared pairwise (``similarity.py``)

``report_page.py`` writes them out (``make report``). A student's verdicts count only
when the graded notebook is still the one in submitted/ and was graded by the course's
autograde; older grading runs, which kept no verdicts, are named as such.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import nbformat

from ..cells import is_test
from ..cells import grade_id as cell_grade_id
from .grades import ClassGrades, class_grades
from ..record.state import State
from ..record.verdict import OUTCOMES, Verdict
from ..judge.mistakes import mistake as find_mistake
from ..paths import RELEASE, Course, source_notebook
from .similarity import THRESHOLD, SimilarPair, compare, exercise_code, exercise_ids

#: A test is listed as "left as a stub by many" when at least this share of the students judged on it did.
STUB_SHARE = 0.25
#: How many of the class's most frequent mistakes the report puts at the top.
TOP_MISTAKES = 5


@dataclass(frozen=True)
class TestSummary:
    """How the students judged on one test cell fared: ``counts`` per outcome (``record/verdict.OUTCOMES``)."""

    stage: str
    test: str
    counts: dict
    students: int

    @property
    def passed_share(self) -> float:
        return self.counts.get("passed", 0) / self.students if self.students else 0.0

    @property
    def stub_share(self) -> float:
        return self.counts.get("stub", 0) / self.students if self.students else 0.0


@dataclass(frozen=True)
class MistakeCount:
    """One classic mistake the judge named in one test: for whom, and the cause the students read."""

    stage: str
    test: str
    mistake: str
    students: tuple[str, ...]
    judged: int  # students judged on this test

    @property
    def share(self) -> float:
        return len(self.students) / self.judged if self.judged else 0.0

    @property
    def cause(self) -> str:
        return find_mistake(self.mistake).cause


@dataclass(frozen=True)
class LateHandIn:
    """A graded notebook handed in after the student's deadline: how late, and what the late policy took off;
    ``past_last_accepted``: after the last accepted moment (kept and graded, counted 0, flagged)."""

    student: str
    days_late: float
    penalty: float
    points_before_penalty: float
    past_last_accepted: bool


@dataclass(frozen=True)
class Ungraded:
    """A student's notebook the report has no verdicts for, and why (the grade table's status in words)."""

    student: str
    status: str


@dataclass
class StageReport:
    stage: str
    max_score: float
    scores: dict = field(default_factory=dict)        # student -> points (graded notebooks only)
    tests: list = field(default_factory=list)         # TestSummary, in the notebook's order
    mistakes: list = field(default_factory=list)      # MistakeCount, most students first
    ungraded: list = field(default_factory=list)      # Ungraded: could not be graded, timed out, not graded yet
    without_verdicts: list = field(default_factory=list)  # graded before verdicts were kept
    pairs: list = field(default_factory=list)         # SimilarPair above the threshold, most similar first
    compared: int = 0                                 # students whose code was compared
    late: list = field(default_factory=list)          # LateHandIn, the latest first
    due: object = None                                # the due date (aware UTC datetime), None: no due date

    @property
    def mean_share(self) -> float | None:
        """The mean score as a share of the maximum (None when no notebook of the stage is graded)."""
        if not self.scores or not self.max_score:
            return None
        return sum(self.scores.values()) / len(self.scores) / self.max_score

    @property
    def stubbed(self) -> list:
        """Tests that many students left as stubs (at least STUB_SHARE of those judged), most first."""
        return sorted((t for t in self.tests if t.stub_share >= STUB_SHARE and t.counts.get("stub")),
                      key=lambda t: -t.stub_share)


@dataclass
class ClassReport:
    stages: list                  # StageReport, in the course's order
    students: list                # student ids
    names: dict                   # student id -> what the report shows (the id, or the name with --names)
    missing: list                 # sentences: what the report could not show, and how to get it
    threshold: float = THRESHOLD
    unreadable: list = field(default_factory=list)  # Ungraded: files collect could not read (stage unknown)

    @property
    def past_last_accepted(self) -> list:
        """(stage, student) of every graded hand-in that came after the last accepted moment."""
        return [(s.stage, late.student) for s in self.stages for late in s.late if late.past_last_accepted]

    @property
    def ranked(self) -> list:
        """Stages with graded notebooks, the lowest mean score first."""
        return sorted((s for s in self.stages if s.mean_share is not None), key=lambda s: s.mean_share)

    @property
    def top_mistakes(self) -> list:
        """The TOP_MISTAKES most frequent mistakes of the class: (stage, mistake id, students, cause), each
        counted once per student and stage however many tests named it; among as many students, the one
        named in more tests first."""
        who, named = defaultdict(set), Counter()
        for stage in self.stages:
            for count in stage.mistakes:
                who[stage.stage, count.mistake].update(count.students)
                named[stage.stage, count.mistake] += len(count.students)
        ranked = sorted(who.items(), key=lambda item: (-len(item[1]), -named[item[0]], item[0]))
        return [(stage, made, sorted(students), find_mistake(made).cause)
                for (stage, made), students in ranked[:TOP_MISTAKES]]


def _test_ids(source_nb) -> list[str]:
    return [cell_grade_id(c) for c in source_nb.cells if is_test(c)]


def _summaries(stage: str, tests: list[str], verdicts: dict) -> tuple[list, list]:
    """TestSummary per test and MistakeCount per (test, mistake), from {student: [Verdict]}."""
    summaries, mistakes = [], []
    for test in tests:
        decided = {student: v for student, vs in verdicts.items() for v in vs if v.grade_id == test}
        counts = Counter(v.outcome for v in decided.values())
        summaries.append(TestSummary(stage, test, {o: counts.get(o, 0) for o in OUTCOMES}, len(decided)))
        named = defaultdict(list)
        for student, verdict in sorted(decided.items()):
            if verdict.mistake:
                named[verdict.mistake].append(student)
        mistakes += [MistakeCount(stage, test, made, tuple(who), len(decided)) for made, who in named.items()]
    return summaries, sorted(mistakes, key=lambda m: (-len(m.students), tests.index(m.test), m.mistake))


def _similar(course: Course, stage: str, source_nb, students: list[str], threshold: float) -> tuple[list, int]:
    """Pairs of ``students`` whose exercise code for ``stage`` (as handed in) is similar; how many were compared.
    ``source_nb``: the stage's source notebook (which cells are exercises)."""
    ids = exercise_ids(source_nb)
    stub = exercise_code(nbformat.read(RELEASE / stage / f"{stage}.ipynb", 4), ids)
    codes = {}
    for student in students:
        path = course.submitted / student / stage / f"{stage}.ipynb"
        try:
            codes[student] = exercise_code(nbformat.read(path, 4), ids)
        except Exception:  # noqa: BLE001 (missing or unreadable: the grade table says why; nothing to compare)
            continue
    return compare(stage, codes, stub, threshold), len(codes)


def build_class_report(course: Course = Course(), names: bool = False, threshold: float = THRESHOLD,
                       grades: ClassGrades | None = None) -> ClassReport:
    """The class report of ``course`` (see the module's docstring); ``names``: show students' names, not ids."""
    from ..gradebook.grading_status import load_status

    grades = grades or class_grades(course)
    status = grades.records or load_status(course)
    students = [s.id for s in grades.students]
    shown = {s.id: (s.full_name if names else s.id) for s in grades.students}
    missing = []
    if not students:
        missing.append("No student is in the gradebook yet: collect the hand-ins (make collect) and grade them "
                       "(make autograde).")
    elif len(students) == 1:
        missing.append("Only one student is in the gradebook: there is no one to compare the code with.")
    report = ClassReport([], students, shown, missing, threshold)
    waiting = 0
    for stage in grades.stages:
        part = StageReport(stage, grades.max_score[stage], due=grades.due.get(stage))
        verdicts = {}
        for student in grades.students:
            grade = student.stages[stage]
            if grade.state is State.NOT_SUBMITTED:
                continue
            if grade.state is State.UNREADABLE:  # the same for every stage: which one it was is unknown
                if student.id not in {u.student for u in report.unreadable}:
                    report.unreadable.append(Ungraded(student.id, grade.status))
                continue
            if not grade.state.graded:
                part.ungraded.append(Ungraded(student.id, grade.status))
                waiting += grade.state is State.SUBMITTED
                continue
            part.scores[student.id] = grade.score
            if grade.late_seconds > 0:
                part.late.append(LateHandIn(student.id, grade.days_late, grade.late_penalty,
                                            grade.score_before_penalty, grade.past_last_accepted))
            record = status.get(student.id, {}).get(stage)
            kept: list[Verdict] = list(record.report.verdicts) if record is not None and record.report else []
            if kept:
                verdicts[student.id] = kept
            else:
                part.without_verdicts.append(student.id)
        part.late.sort(key=lambda late: (-late.days_late, late.student))
        source = nbformat.read(source_notebook(stage), 4)
        part.tests, part.mistakes = _summaries(stage, _test_ids(source), verdicts)
        handed_in = sorted({*part.scores, *(u.student for u in part.ungraded)})
        part.pairs, part.compared = _similar(course, stage, source, handed_in, threshold)
        report.stages.append(part)
    if students and not any(s.scores for s in report.stages):
        missing.append("No notebook is graded yet: run make autograde, then make report again.")
    if waiting:
        missing.append(f"{waiting} notebook(s) are handed in but not autograded yet (run make autograde): they are "
                       "not in the scores, tests or mistakes below.")
    without = sum(len(s.without_verdicts) for s in report.stages)
    if without:
        missing.append(f"{without} notebook(s) were graded before the judge's verdicts were kept: their scores count, "
                       "their tests and mistakes do not (grade them again with make autograde FORCE=1).")
    return report
