# Segment Studio
#
#   make run    create .venv if needed, install requirements.txt, start the app
#   make test   create .venv if needed, install requirements-dev.txt (+ Debian's
#               chromium and postgresql when possible), then `ruff check .` and the whole
#               pytest suite
#
# Helpers: make lint | bench | screenshots | clean | distclean
# Works on a fresh machine with Python 3.11+, make and git.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
PORT ?= 8501

VENV_PY := $(VENV)/bin/python
PIP := $(VENV_PY) -m pip --disable-pip-version-check
# Stamp files inside the venv: requirements are re-installed only when they change
# (and automatically after the venv is deleted).
RUNTIME_STAMP := $(VENV)/.stamp-requirements
DEV_STAMP := $(VENV)/.stamp-requirements-dev

# Debian packages the tests use: chromium for the browser tests, postgresql for the snapshot
# store tests (they start their own server from its binaries). `make run` needs none of them.
BROWSER_PACKAGES := chromium fonts-liberation
APT_PACKAGES := $(BROWSER_PACKAGES) postgresql

.PHONY: help run test lint bench screenshots clean distclean venv chromium test-packages

help:
	@echo "make run          start the app on http://localhost:$(PORT) (opens the bundled sample)"
	@echo "make test         ruff + the whole pytest suite (slow and browser tests included)"
	@echo "make lint         ruff check ."
	@echo "make bench        python bench/run.py"
	@echo "make screenshots  full-page PNGs of every page into screenshots/"
	@echo "make clean        remove caches and generated output (keeps $(VENV))"
	@echo "make distclean    clean + remove $(VENV)"

# --- user-facing targets -------------------------------------------------------

run: $(RUNTIME_STAMP)
	$(VENV_PY) -m streamlit run app.py --server.port $(PORT)

test: $(DEV_STAMP) test-packages
	$(VENV)/bin/ruff check .
	$(VENV_PY) -m pytest

# --- helpers -------------------------------------------------------------------

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .

bench: $(RUNTIME_STAMP)
	$(VENV_PY) bench/run.py

screenshots: $(DEV_STAMP) chromium
	$(VENV_PY) tests/browser/screenshots.py

venv: $(VENV_PY)

$(VENV_PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "ERROR: '$(PYTHON)' must be Python 3.11 or newer (found: $$($(PYTHON) --version 2>&1 || echo none))." >&2; \
	  echo "       Install Python 3.11+ or run e.g. 'make PYTHON=python3.11 ...'." >&2; \
	  exit 1; }
	@echo "==> Creating $(VENV) with $$($(PYTHON) --version 2>&1)"
	@if ! $(PYTHON) -m venv $(VENV); then \
	  rm -rf $(VENV); \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; \
	  else sudo=none; fi; \
	  if [ "$$sudo" != none ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "==> '$(PYTHON) -m venv' failed; installing Debian's python3-venv"; \
	    $$sudo apt-get update; \
	    $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv; \
	    $(PYTHON) -m venv $(VENV); \
	  else \
	    echo "ERROR: '$(PYTHON) -m venv $(VENV)' failed. On Debian/Ubuntu run:" >&2; \
	    echo "       sudo apt-get install python3-venv" >&2; \
	    exit 1; \
	  fi; \
	fi

$(RUNTIME_STAMP): requirements.txt | $(VENV_PY)
	$(PIP) install --progress-bar off -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements-dev.txt requirements-large.txt requirements.txt | $(VENV_PY)
	$(PIP) install --progress-bar off -r requirements-dev.txt
	@touch $@

# Installs Debian packages with apt-get when the machine allows it (root or passwordless sudo);
# otherwise explains and carries on: the tests that need them skip locally (and fail under
# CI=true). $(1): what is missing (for messages), $(2): the packages.
define apt_install
if [ "$$(id -u)" = 0 ]; then sudo=""; \
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; \
else sudo=none; fi; \
if [ "$$sudo" != none ] && command -v apt-get >/dev/null 2>&1; then \
  echo "==> Installing Debian's $(1) for the tests: $(2)"; \
  if $$sudo apt-get update && \
     $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y $(2); then :; \
  else echo "WARNING: installing $(1) failed; their tests will skip (or fail under CI)." >&2; fi; \
else \
  echo "NOTE: $(1) not installed: their tests will skip (and fail under CI=true)." >&2; \
  echo "      Install with:  sudo apt-get install $(2)" >&2; \
fi
endef

# Browser tests drive Debian's chromium (Playwright's own browser download is not used).
chromium:
	@if command -v chromium >/dev/null 2>&1; then exit 0; fi; \
	$(call apt_install,chromium,$(BROWSER_PACKAGES))

# Everything `make test` uses: chromium, and PostgreSQL's server binaries (not on PATH on
# Debian: they live in /usr/lib/postgresql/<version>/bin).
test-packages:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	$(call apt_install,$${missing# },$(APT_PACKAGES))

clean:
	rm -rf .pytest_cache .ruff_cache .hypothesis screenshots bench/out
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
