# The course's two commands: `make lab` and `make test`. Both create .venv on first use.
SHELL := /bin/bash
# Any Python from 3.11 to 3.13 (the lock's pins resolve on all three): the first of these that runs and is one of them
# (a pyenv shim can exist for a version that is not selected), or PYTHON=...
PY_OK := import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))
FOUND_PYTHON := $(firstword $(foreach p,python3.11 python3.12 python3.13 python3,$(if $(shell $(p) -c '$(PY_OK)' 2>/dev/null && echo y),$(p))))
PYTHON ?= $(or $(FOUND_PYTHON),python3.11)
# torch alone, from the lock: without PyTorch's CPU index first (a machine with the +cpu wheel on disk, as pip's
# find-links, never waits on an index it may not reach), then with the index (the lock's --extra-index-url line).
# PyPI has no +cpu build, so the first try fails at once on an ordinary Linux machine; elsewhere it takes PyPI's wheel.
define install_torch
$(1) -m pip install --quiet --disable-pip-version-check --no-deps -r <(grep -E '^torch[ =<>!~]' $(2)) 2>/dev/null \
  || { echo "torch's CPU build is not on this machine: taking it from PyTorch's CPU index"; \
       $(1) -m pip install --quiet --disable-pip-version-check --no-deps -r <(grep -E '^(--extra-index-url|torch[ =<>!~])' $(2)); }
endef
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8888
JOBS ?= 2
# Folders whose notebooks nbval executes (only those that exist).
NB_DIRS := $(wildcard notebooks solutions)
# Jupyter refuses to start as root (containers, CI) unless told to.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with nbval_sanitize.cfg
# make lab serves this working copy of notebooks/ and exercises/ (git ignores it), never the course itself.
WORKSPACE ?= workspace
# Config that make lab adds in front of the user's: no nbgrader panels or server handlers, no news pop-up.
LAB_CONFIG := $(CURDIR)/tools/lab_config

.PHONY: lab fresh slides site test unit lint notebooks bench lock clean help

help:
	@echo "make lab        start JupyterLab on a working copy of the course in $(WORKSPACE)/ (PORT=$(PORT))"
	@echo "make fresh NB=03_srn_forward   a fresh copy of one notebook in $(WORKSPACE)/ (NB=all: every one)"
	@echo "make slides     static reveal.js decks of the lectures in build/slides/, for a browser offline"
	@echo "make site       the course website in build/site/ (REPOSITORY_URL=... for its open-an-issue links)"
	@echo "make test       ruff, every unit test (slow ones too) and every notebook under nbval (strict)"
	@echo "make unit       the fast unit tests (those not marked slow), in under 2 minutes"
	@echo "make lint       ruff on the package, tests, tools, benchmarks and the notebooks' code"
	@echo "make notebooks  re-execute every lecture notebook in place"
	@echo "make bench      run the benchmarks, write benchmarks/results.json"
	@echo "make lock       re-pin after editing requirements.in (keeps existing pins; UPGRADE=1 re-pins all)"

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; the course needs Python 3.11, 3.12 or 3.13 (make PYTHON=/path/to/python3)"; exit 1; }
	@$(PYTHON) -c '$(PY_OK)' || { echo "error: $(PYTHON) is not Python 3.11, 3.12 or 3.13"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	@# torch alone first, the one package from PyTorch's CPU index: pip asks every index about every package it
	@# installs, and an index it cannot reach costs seconds of retries each time (minutes where packets are dropped)
	$(call install_torch,$(PY),requirements.lock)
	$(PY) -m pip install --quiet --disable-pip-version-check -r <(grep -v -E '^--extra-index-url' requirements.lock)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@# build matplotlib's font cache now: built during a test, its notice lands in a cell's output
	env -u MPLBACKEND $(PY) -c "import matplotlib.pyplot"
	touch $(STAMP)

lab: $(STAMP)
	$(PY) tools/labcopy.py sync --workspace $(WORKSPACE)
	@# defaults for the lab and RISE's slideshow page, which read them from the virtualenv's lab settings only
	install -D -m 644 $(LAB_CONFIG)/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	env -u MPLBACKEND JUPYTER_CONFIG_PATH="$(LAB_CONFIG)$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
	  $(VENV)/bin/jupyter lab --no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port=$(PORT) --ServerApp.port_retries=0 \
	  --ServerApp.root_dir=$(abspath $(WORKSPACE)) $(ALLOW_ROOT)

fresh: $(STAMP)
	@$(PY) tools/labcopy.py fresh --workspace $(WORKSPACE) $(NB)

slides: $(STAMP)
	$(PY) tools/slides.py --out build/slides $(wildcard notebooks/*.ipynb)

# The course website from the committed notebooks (nothing is executed); tools/build_site.py, site/conf.py.
site: $(STAMP)
	$(if $(REPOSITORY_URL),REPOSITORY_URL=$(REPOSITORY_URL)) $(PY) tools/build_site.py --out build/site

test: $(STAMP)
	$(VENV)/bin/ruff check .
	env -u MPLBACKEND $(PY) -m pytest -n $(JOBS) --dist loadscope tests $(NB_DIRS) $(NBVAL)

# Tests marked @pytest.mark.slow (live demos, make lab, nbgrader, grading end to end, browsers) run in make test only.
unit: $(STAMP)
	env -u MPLBACKEND $(PY) -m pytest -n $(JOBS) -m "not slow" tests

lint: $(STAMP)
	$(VENV)/bin/ruff check .

notebooks: $(STAMP)
	env -u MPLBACKEND $(PY) -m course_utils.notebooks run $(wildcard notebooks/*.ipynb solutions/*.ipynb)

bench: $(STAMP)
	env -u MPLBACKEND $(PY) benchmarks/run.py

# torch first and alone, as in the install above; the lock as constraints without its index
# line; then tools/write_environment.py writes the lock (torch's per-platform lines) and environment.yml.
lock:
	set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(PYTHON) -m venv "$$tmp/venv"; \
	$(call install_torch,"$$tmp/venv/bin/python",requirements.in); \
	"$$tmp/venv/bin/pip" install --quiet -r <(grep -v -E '^--extra-index-url' requirements.in) \
	  $(if $(UPGRADE),,$(if $(wildcard requirements.lock),-c <(grep -v -E '^--extra-index-url' requirements.lock))); \
	"$$tmp/venv/bin/pip" freeze --all --exclude-editable > "$$tmp/freeze.txt"; \
	$(PYTHON) tools/write_environment.py --freeze "$$tmp/freeze.txt"

clean:
	rm -rf $(VENV) .pytest_cache
