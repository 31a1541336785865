"""nbgrader configuration for the course; nbgrader's commands read it from the repository root.

    nbgrader generate_assignment 01_vanilla_gradients   # solutions/ -> course/
    nbgrader autograde 01_vanilla_gradients             # submitted/ -> autograded/
"""

import sys
from pathlib import Path

c = get_config()  # noqa: F821  (provided by nbgrader)

ROOT = Path(__file__).resolve().parent
# The preprocessors below are this course folder's own code, even where the .venv was installed (editable) from
# another folder: a course folder copied for a new term grades with its own utils, never last term's.
if sys.path[:1] != [str(ROOT)]:
    sys.path.insert(0, str(ROOT))

c.CourseDirectory.root = str(ROOT)
c.CourseDirectory.course_id = "xai-gradients"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "course"
c.CourseDirectory.db_url = f"sqlite:///{ROOT / 'gradebook.db'}"

# The student release keeps nothing from the previous run and never leaks outputs.
c.GenerateAssignment.create_assignment = True
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# Autograding.
# Deleted or altered test cells are put back from the gradebook (nbgrader only does
# this when told to).
c.OverwriteCells.add_missing_cells = True
# The slowest hidden test cell takes ~15 s on a 2-core CPU; 120 s leaves room for a
# loaded machine. A cell that runs longer (an infinite loop) is interrupted, scores
# 0, and the rest of the notebook is still graded.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True
# Demonstration cells that no test needs (tagged skip-when-grading in solutions/, proved by
# utils/instructor/prepare/demo_cells.py and tests/prepare/test_demo_cells.py) are not run when grading; a notebook
# whose tests fail in a way they could explain is run again with every cell.
c.Execute.skip_cells_with_tag = "skip-when-grading"
# A kernel whose notebook has run is stopped at once (its outputs are in; a polite shutdown
# cost about 1.5 s a notebook): the sandbox ends everything it started.
c.Execute.shutdown_kernel = "immediate"
# A kernel that starts slowly on a loaded machine is waited for, not failed.
c.Execute.startup_timeout = 300
# nbgrader scores 0 any test cell with output on stderr; a correct solution that
# emits a warning (PyTorch and Captum do) must keep its marks. Errors are separate
# outputs and still fail the cell.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"[\s\S]"
# Every kernel runs in the grading sandbox (utils/instructor/grading/worker/sandbox.py); where it
# cannot be set up, grading stops with a message, unless told
# --ResilientExecute.sandbox=False (make autograde SANDBOX=0).
# ResilientExecute also survives dead kernels (the fatal cell scores 0, the rest is
# graded) and re-runs a notebook whose cells timed out for lack of CPU.
# JudgeRecords then decides every test cell from what the hidden tests recorded,
# in this process, and replaces the cell's outputs with the verdict: nothing the
# student's kernel printed or raised in a test cell counts.
c.Autograde.autograde_preprocessors = [
    "utils.instructor.grading.worker.resilient_execute.ResilientExecute",
    "utils.instructor.judge.preprocessor.JudgeRecords",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Autograde.create_student = True
# The late policy, applied by AssignLatePenalties above (formula: utils/instructor/gradebook/late_policy.py).
# The due dates are in schedule.csv, each student's extension in the gradebook (make extension). A late
# notebook loses share_per_day of its score per started day after the student's deadline, at most max_share;
# one handed in more than accepted_days_late days after the deadline is kept and graded, counts 0 points,
# and is flagged in grades.csv, the LMS exports and the class report.
c.AssignLatePenalties.plugin_class = "utils.instructor.gradebook.late_policy.CourseLatePolicy"
c.CourseLatePolicy.share_per_day = 0.1
c.CourseLatePolicy.max_share = 0.5
c.CourseLatePolicy.accepted_days_late = 7.0

# Feedback shows each test's result and message, but neither the hidden tests'
# code nor their tracebacks (nbgrader's default feedback shows both).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "utils.instructor.results.feedback_filters.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    # Figures in 256 colours and at most 1000 px wide (a third of the size, or less).
    "utils.instructor.results.feedback_images.ShrinkImages",
]
# Feedback pages read offline and in an LMS: the course's template (utils/instructor/results/feedback_template)
# extends nbgrader's feedback page with a small style sheet instead of Bootstrap, wraps long messages
# instead of cutting them off, and renders math as MathML (no MathJax from a CDN).
_NBGRADER_TEMPLATES = Path(__import__("nbgrader").__file__).parent / "server_extensions" / "formgrader" / "templates"
c.HTMLExporter.extra_template_basedirs = [str(ROOT / "utils" / "instructor" / "results" / "feedback_template"),
                                          str(_NBGRADER_TEMPLATES)]
c.HTMLExporter.template_name = "xai_feedback"
c.HTMLExporter.template_file = "feedback.html.j2"
c.HTMLExporter.filters = {"offline_math": "utils.instructor.results.feedback_math.offline_math"}
# The pages' language (<html lang>), which screen readers read them in: the course is in English.
c.HTMLExporter.language_code = "en"
