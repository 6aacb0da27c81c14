# Two commands on a fresh clone: `make run` and `make test`. Everything installs into .venv.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
HOST ?= 127.0.0.1
PORT ?= 8000
DEV_ENV := DJANGO_DEBUG=1

# The first Python 3.12+ found: pyenv reads .python-version; otherwise python3.14 ... python3 on PATH.
PYTHON ?= $(firstword $(foreach p,python3 python3.14 python3.13 python3.12,$(shell command -v $(p) >/dev/null 2>&1 && $(p) -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && echo $(p))))

.PHONY: help run test lint format install install-dev migrate fixtures import import-usage bench-import clean \
	test-postgres backup restore bench-web bench-load bench-changes test-browser
.DEFAULT_GOAL := help

help:
	@echo "make run      create .venv, install, migrate, load the fixtures, serve http://$(HOST):$(PORT)/ (SQLite)"
	@echo "make test     install what the tests need, lint, run the whole suite (make test-postgres: on PostgreSQL)"
	@echo "make import FILE=path [EDITION=YYYY-MM] [DRY_RUN=1] [TIMINGS=1] [WITHDRAW_MANY=1]   import a register file"
	@echo "make backup [BACKUP=path]   make restore BACKUP=path   back up or restore the database"
	@echo "make bench-import   make bench-web   make bench-load   make bench-changes   benchmarks (README, Benchmark)"
	@echo "make lint   make format   make test-browser   make clean (removes .venv: a new one on the next make run)"

$(VENV)/.created:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "error: this project needs Python 3.12 or newer, and none was found (tried python3, python3.14, python3.13, python3.12)." >&2; \
	  echo "Install one (e.g. 'pyenv install 3.12') or run: make PYTHON=/path/to/python3.12 ..." >&2; exit 1; fi
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null || { \
	  echo "error: this project needs Python 3.12 or newer; PYTHON=$(PYTHON) is $$($(PYTHON) --version 2>&1 || echo 'not a Python')." >&2; exit 1; }
	@echo "Creating $(VENV) with $(PYTHON) ($$($(PYTHON) --version))"
	$(PYTHON) -m venv $(VENV)
	@touch $@

$(VENV)/.installed: $(VENV)/.created requirements.txt
	$(PIP) install -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(DEV_ENV) $(PY) manage.py migrate --no-input

# Loads the reference organisations, and the seed agreements on a site with no register imported, unless loaded already.
fixtures: migrate
	$(DEV_ENV) $(PY) manage.py load_site_data

run: fixtures
	@echo "Serving on http://$(HOST):$(PORT)/"
	$(DEV_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

# make import FILE=path/to/datausesregister_nov2025.xlsx [EDITION=2025-11] [DRY_RUN=1] [TIMINGS=1] [WITHDRAW_MANY=1]
import: import-usage migrate
	$(DEV_ENV) $(PY) manage.py import_register "$(FILE)" $(if $(EDITION),--edition $(EDITION)) $(if $(DRY_RUN),--dry-run) $(if $(TIMINGS),--timings) $(if $(WITHDRAW_MANY),--withdraw-many)

import-usage:
	@test -n "$(FILE)" || { echo "usage: make import FILE=path/to/register.xlsx [EDITION=YYYY-MM] [DRY_RUN=1] [TIMINGS=1] [WITHDRAW_MANY=1]" >&2; exit 2; }

# Full-size synthetic register (cached in var/bench/) imported into a fresh SQLite database: time, memory, read times,
# and where the import's time went.
bench-import: install-dev
	$(PY) scripts/bench_import.py

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: install-dev lint
	$(PY) -m pytest $(PYTEST_ARGS)

# Only the browser, accessibility and page-weight tests (tests/browser), against a live gunicorn; screenshots land
# in var/screenshots/. Needs Debian's chromium (.ci/run installs it): `apt-get install chromium`.
test-browser: install-dev
	$(PY) -m pytest tests/browser $(PYTEST_ARGS)

# The whole suite again on PostgreSQL (pytest-django creates and drops test_$(PGNAME)); skipped with a message
# when no server answers. PGURL names the server; PGNAME lets engineers sharing one server keep apart.
PGNAME ?= register
PGURL ?= postgres://postgres@127.0.0.1:5432/$(PGNAME)
test-postgres: install-dev
	@if $(PY) scripts/postgres_reachable.py "$(PGURL)"; then \
	  echo "Running the test suite on PostgreSQL ($(PGURL))"; \
	  DATABASE_URL="$(PGURL)" $(PY) -m pytest $(PYTEST_ARGS); \
	else echo "Skipping the PostgreSQL run: no server answers at $(PGURL) (set PGURL to test on another)."; fi

# Back up or restore the database in DATABASE_URL (default: db.sqlite3). Development mode unless
# DJANGO_SECRET_KEY is set. make backup [BACKUP=path]   make restore BACKUP=path (keeps what it replaces)
MANAGE_ENV := $(if $(DJANGO_SECRET_KEY),,DJANGO_DEBUG=1)
backup: install
	$(MANAGE_ENV) $(PY) manage.py backup $(if $(BACKUP),"$(BACKUP)")

restore: install
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=var/backups/register-....sqlite3 (or .dump)" >&2; exit 2; }
	$(MANAGE_ENV) $(PY) manage.py restore --no-input "$(BACKUP)"

# Median server time and SQL queries of the public pages on a full-size synthetic register in a fresh SQLite
# database (var/bench-web.sqlite3). make bench-web [BENCH_ARGS="--source factories --runs 25"]; see the script.
bench-web: install-dev
	$(PY) scripts/bench_web.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

# gunicorn (the Dockerfile's command, production settings) on loopback with the full-size synthetic register,
# driven by locust: 50 users for 60 s over a realistic mix. make bench-load [BENCH_ARGS="--keep --users 50"]
$(VENV)/.installed-bench: $(VENV)/.installed-dev requirements-bench.txt
	$(PIP) install -r requirements-bench.txt
	@touch $@

bench-load: $(VENV)/.installed-bench
	$(PY) scripts/bench_load.py $(BENCH_ARGS)

# The "what changed" pages and feeds on two full-size monthly editions (built once in var/bench-changes/).
bench-changes: install-dev
	$(PY) scripts/bench_changes.py $(BENCH_ARGS)
