# The course's commands. Every target runs inside .venv, which the first target
# you run creates with python3 -m venv and fills from pyproject.toml.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install lab test bench

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

## install: create .venv and install the pinned dependencies (the other targets do it for you)
install: $(STAMP)

## lab: start JupyterLab on the student notebooks in course/
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=course

## test: run the whole test suite
test: $(STAMP)
	$(BIN)/python -m pytest

## bench: time the reference IG against Captum and the seeds' loops (prints figures)
bench: $(STAMP)
	$(BIN)/python -m utils.bench
