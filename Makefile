# The course's two commands: `make lab` (study) and `make test` (check everything).
# Both create .venv if missing and reinstall only when pyproject.toml changed.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8888
PYTEST_ARGS ?=
LAB_ARGS ?=
# Jupyter refuses to run as root (containers often are) unless told.
ROOT_ARG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test test-fast release tables clean-venv help

help:
	@echo "make lab      start JupyterLab on the course (creates .venv on first run)"
	@echo "make test     run the whole test suite"
	@echo "make test-fast  the suite without the tests marked slow (executed notebooks, real nbgrader runs)"
	@echo "make release  regenerate assignments/ from solutions/ (nbgrader generate_assignment)"
	@echo "make tables   regenerate the module tables of README.md and index.ipynb from cnncourse/course.py"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
	  { echo "Python >= 3.10 is needed; set PYTHON=/path/to/python3.x"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

lab: $(VENV)/.installed
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" --port=$(PORT) $(ROOT_ARG) $(LAB_ARGS) index.ipynb

test: $(VENV)/.installed-test
	MPLBACKEND=Agg $(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

test-fast: $(VENV)/.installed-test
	MPLBACKEND=Agg $(BIN)/python -m pytest -n 2 -m "not slow" $(PYTEST_ARGS)

# nbgrader runs `alembic` from PATH, hence the venv's bin first.
release: $(VENV)/.installed
	for dir in solutions/*/; do \
	  PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/nbgrader generate_assignment "$$(basename $$dir)" --force || exit 1; \
	done

tables: $(VENV)/.installed
	$(BIN)/python -m cnncourse.course --write
