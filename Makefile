# The course's commands. Every target runs inside .venv, which the first target
# you run creates with python3 -m venv and fills from pyproject.toml.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install lab test bench complexity-table tolerance-table release student-bundle roster collect hub release-to-class lti-keys autograde formgrader grades report export feedback demo-class bench-grading gpu-check

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[instructor,hub,test]"
	$(BIN)/python -m pip install --quiet --no-deps quantus==0.6.0
	@touch $(STAMP)

## install: create .venv and install the pinned dependencies (the other targets do it for you)
install: $(STAMP)

# ---- What make test, make autograde and make hub need from the system (make lab needs none of it) ----
# Debian package names, per target. Before a target runs anything, utils/instructor/tools/system_packages.py
# installs the missing ones with apt-get as root on Debian/Ubuntu, and otherwise stops with the one command that
# installs them. A stamp in .venv records the check; it runs again when this file or that module changes.
SYSTEM_PACKAGES_HUB       := bubblewrap passwd
SYSTEM_PACKAGES_AUTOGRADE := bubblewrap
SYSTEM_PACKAGES_TEST      := $(sort bubblewrap chromium $(SYSTEM_PACKAGES_HUB))

.PHONY: system-packages
## system-packages: install (as root on Debian/Ubuntu) or name what make test, make autograde and make hub need from the system
system-packages: $(VENV)/.system-test

$(VENV)/.system-test:      SYSTEM_PACKAGES = $(SYSTEM_PACKAGES_TEST)
$(VENV)/.system-autograde: SYSTEM_PACKAGES = $(SYSTEM_PACKAGES_AUTOGRADE)
$(VENV)/.system-hub:       SYSTEM_PACKAGES = $(SYSTEM_PACKAGES_HUB)
$(VENV)/.system-%: Makefile utils/instructor/tools/system_packages.py
	$(PYTHON) utils/instructor/tools/system_packages.py --for "make $*" $(SYSTEM_PACKAGES)
	@mkdir -p $(VENV) && touch $@

## lab [ARGS="--ip=0.0.0.0 --port=8890 --no-browser"]: start JupyterLab on the student notebooks in course/, with the course's JupyterLab settings (utils/jupyter_config) and any of JupyterLab's own options (nbgrader's extensions find alembic: utils/instructor/__init__.py)
lab: $(STAMP)
	$(BIN)/python -m utils.instructor lab $(ARGS)

## test: run the whole test suite (unit tests, grading round trips, and nbval on every solution notebook)
test: $(VENV)/.system-test $(STAMP)
	$(BIN)/python -m pytest tests solutions --nbval-lax --nbval-cell-timeout=120 --durations=25

## bench: time the reference IG against Captum and the seeds' loops (prints figures)
bench: $(STAMP)
	$(BIN)/python -m utils.instructor.tools.bench

## tolerance-table: measure how far correct answers to each hidden test spread and how near the classic mistakes come (docs/tolerances.md; exits 1 if a tolerance is not sound)
tolerance-table: $(STAMP)
	$(BIN)/python -m utils.instructor.tools.tolerance_spread --write

## complexity-table: estimated vs measured cost of each method, ResNet-50 at 224 (the README's table)
complexity-table: $(STAMP)
	$(BIN)/python -m utils.instructor.tools.complexity_table

# ---- Instructors: the term's workflow (see the README's instructor section) ----
JOBS ?= 1
SCHEDULER ?=
SANDBOX ?= 1
FORCE ?= 0
INSTRUCTOR := $(BIN)/python -m utils.instructor

## gpu-check: on a GPU machine, the course's numbers on CUDA vs the CPU vs float64, random layers across devices, IG speed vs Captum, the complexity table, the device tests (exits 1 on a failure; without CUDA: nothing to check)
gpu-check: $(STAMP)
	$(BIN)/python -m utils.instructor.tools.gpu_check

## release: regenerate the student release course/ from solutions/
release: $(STAMP)
	$(INSTRUCTOR) release

## student-bundle: dist/xai-course-student.tar.gz for students (no answer key, no hidden tests)
student-bundle: $(STAMP)
	$(INSTRUCTOR) student-bundle

## roster ROSTER=students.csv | FROM=lms [DRY_RUN=1]: import the class list (nbgrader's student CSV: id,first_name,last_name,email,lms_user_id, or the LMS's members through LTI Names and Roles) into the gradebook
roster: $(STAMP)
ifeq ($(FROM),lms)
	$(INSTRUCTOR) roster --from-lms $(if $(filter 1,$(DRY_RUN)),--dry-run)
else
	@test -n "$(ROSTER)" || { echo "usage: make roster ROSTER=<students.csv> (columns id,first_name,last_name,email,lms_user_id), or make roster FROM=lms"; exit 2; }
	$(INSTRUCTOR) roster "$(ROSTER)"
endif

## lti-keys [ROLL=1] [RETIRE=kid]: the tool's public keys for the LMS (JWKS; the first key is made if none), a new signing key rolled in, or an old one retired
lti-keys: $(STAMP)
	$(INSTRUCTOR) lti-keys $(if $(filter 1,$(ROLL)),--roll) $(if $(RETIRE),--retire "$(RETIRE)")

## collect [SUBMISSIONS=path] [ROSTER=students.csv]: take the hub's exchange (no SUBMISSIONS), or a folder (or a Canvas/Moodle download .zip), into submitted/
collect: $(STAMP)
	$(INSTRUCTOR) collect $(if $(SUBMISSIONS),"$(SUBMISSIONS)") $(if $(ROSTER),--roster "$(ROSTER)")

## hub [HUB_ARGS="--port=8000 --ip=..."]: as root, serve the class from this machine: JupyterHub with the roster's login (make roster first), each student's JupyterLab sandboxed as their own account with nbgrader's Assignments tab, formgrader for the instructors in jupyterhub_config.py
hub: $(VENV)/.system-hub $(STAMP)
	$(INSTRUCTOR) hub $(HUB_ARGS)

## release-to-class STAGE=stage: put a stage (from course/, make release) in the hub's exchange, where every student's Assignments tab lists it
release-to-class: $(STAMP)
	@test -n "$(STAGE)" || { echo "usage: make release-to-class STAGE=<stage, e.g. 01_vanilla_gradients>"; exit 2; }
	$(INSTRUCTOR) release-to-class "$(STAGE)"

## autograde [JOBS=n | SCHEDULER=tcp://host:8786] [SANDBOX=0] [FORCE=1]: autograde every new or changed submission on n local Dask workers (or an existing Dask cluster), each kernel in the sandbox
autograde: $(if $(filter 0,$(SANDBOX)),,$(VENV)/.system-autograde) $(STAMP)
	$(INSTRUCTOR) autograde --jobs $(JOBS) $(if $(SCHEDULER),--scheduler "$(SCHEDULER)") $(if $(filter 0,$(SANDBOX)),--no-sandbox) $(if $(filter 1,$(FORCE)),--force)

## formgrader: JupyterLab with nbgrader's formgrader open on the course, to grade the written answers by hand
formgrader: $(STAMP)
	$(INSTRUCTOR) formgrader

## grades: export grades.csv, one row per student, per assignment and total
grades: $(STAMP)
	$(INSTRUCTOR) grades

## report: the class report in reports/ (what the class got wrong, similar hand-ins); NAMES=1 shows names, not ids
report: $(STAMP)
	$(INSTRUCTOR) report $(if $(filter 1,$(NAMES)),--names)

FORMAT ?= canvas

## export FORMAT=canvas|moodle|lti|csv [TO=file] [STAGE=stage] [DRY_RUN=1]: grades as Canvas's gradebook import or Moodle's grading worksheets (a grade not final yet is left empty), sent to the LMS's gradebook (lti: LTI Assignment and Grade Services, only final grades, only what changed), or the grade table
export: $(STAMP)
	$(INSTRUCTOR) export --format $(FORMAT) $(if $(TO),--to "$(TO)") $(if $(STAGE),--assignment "$(STAGE)") $(if $(filter 1,$(DRY_RUN)),--dry-run)

.PHONY: extension extensions
## extension STUDENT=id STAGE=stage DAYS=n [REMOVE=1]: give one student n more days for one stage (due dates: schedule.csv; replaces their earlier extension; REMOVE=1 takes it back)
extension: $(STAMP)
	$(INSTRUCTOR) extension --student "$(STUDENT)" --stage "$(STAGE)" --days "$(DAYS)" $(if $(filter 1,$(REMOVE)),--remove)

## extensions: list every extension (student, stage, days, due date, the student's deadline, handed in)
extensions: $(STAMP)
	$(INSTRUCTOR) extensions

## feedback [FORMAT=canvas|moodle]: HTML feedback per student in feedback/ (offline, hidden tests not shown); FORMAT also writes the LMS's bulk upload, one zip per stage, in feedback_uploads/
# FORMAT's default (canvas) is export's: feedback passes it only when it is given.
feedback: $(STAMP)
	$(INSTRUCTOR) feedback $(if $(filter command line environment,$(origin FORMAT)),--format "$(FORMAT)")

## demo-class: a sample class (one submission of each kind: correct, wrong, broken, hostile) with expected scores, in demo_class/
demo-class: $(STAMP)
	$(INSTRUCTOR) demo-class --out demo_class

## bench-grading: one student's eight notebooks graded three ways side by side (make autograde, plain nbgrader, plain execution) and a class of 20
bench-grading: $(STAMP)
	$(BIN)/python -m utils.instructor.tools.bench_grading

.PHONY: bench-hub
## bench-hub [STUDENTS=4]: as root, a real hub on this machine with n simulated students who log in, fetch stage 01 and run it: memory and CPU per student, login to first result, how many students this machine holds, the machine a class of 200 needs
bench-hub: $(if $(filter 0,$(shell id -u)),$(VENV)/.system-hub $(STAMP))
	@test "$$(id -u)" = 0 || { echo "bench-hub: run it as root (sudo make bench-hub): it starts a real hub, which makes a system account for each simulated student and starts their server as that account"; exit 2; }
	$(BIN)/python -m utils.instructor.tools.bench_hub $(if $(STUDENTS),--students $(STUDENTS))
