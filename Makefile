# Atelier: the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANAGE := $(BIN)/python manage.py
IS_POSTGRES := $(findstring postgres,$(DATABASE_URL))

.PHONY: bench run prod-run prod-web prod-jobs prod-sequencer prod-check test install migrate seed messages lint check ci clean browser-deps

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	@$(MANAGE) compile_translations >/dev/null
	@$(BIN)/python scripts/ensure_db.py
	@$(MANAGE) migrate --noinput -v0
	@$(MANAGE) createcachetable

seed: migrate
	@$(MANAGE) seed_demo

run: seed
	@$(MANAGE) run_stack

# Production (docs/deploy.md). `prod-run` starts everything on one machine; `prod-web`,
# `prod-jobs` and `prod-sequencer` start one kind each, for several machines. Every production
# setting comes from the environment (DEBUG=false, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL,
# REDIS_URL, ...; the table is in docs/deploy.md). Before starting, `prod-check` collects
# static files (WhiteNoise serves them; with DEBUG off a page is a 500 until they are
# collected), refuses to start if `check --deploy` finds anything or a migration is not
# applied (run `manage.py migrate` as the release step). The server listens on $$PORT
# (default 8000) and $$HOST (default 127.0.0.1, behind the TLS proxy), with
# $$WEB_CONCURRENCY processes.
prod-check: install
	@$(MANAGE) compile_translations >/dev/null
	$(MANAGE) collectstatic --noinput -v0
	$(MANAGE) check --deploy --fail-level WARNING
	$(MANAGE) migrate --check

prod-run: prod-check
	$(MANAGE) run_stack

prod-web: prod-check
	$(MANAGE) run_stack --only web

prod-jobs: install
	$(MANAGE) migrate --check
	$(MANAGE) run_stack --only jobs

prod-sequencer: install
	$(MANAGE) migrate --check
	$(MANAGE) run_stack --only sequencer

browser-deps:
	@test -x /usr/bin/chromium || { \
	  echo "Installing Debian's Chromium for the browser tests..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || sudo -n sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null'; }

# On SQLite the postgres and browser tests are deselected (see tests/conftest.py);
# with DATABASE_URL on PostgreSQL everything runs, browser tests last. The suite runs in
# TEST_WORKERS processes (pytest-xdist; CI has 2 cores), each with its own test database (and
# Redis database: coop/settings.py); TEST_WORKERS=0 runs it in this process.
TEST_WORKERS ?= 2
test: install
	@$(MANAGE) compile_translations >/dev/null
ifneq ($(IS_POSTGRES),)
	@$(MAKE) --no-print-directory browser-deps
	@$(BIN)/python scripts/ensure_db.py
endif
	$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# The benchmarks behind docs/benchmarks.md and docs/deploy.md's scale table (PostgreSQL and
# Redis: DATABASE_URL=postgres://... REDIS_URL=redis://...; each script creates and migrates its
# own database): every hot path against its same-run baseline, then one table (bench/all.py).
BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev,bench]"
	@touch $(BENCH_STAMP)

bench: install $(BENCH_STAMP)
	@test -n "$(IS_POSTGRES)" || { echo "make bench needs DATABASE_URL=postgres://..."; exit 1; }
	@test -n "$(REDIS_URL)" || { echo "make bench needs REDIS_URL=redis://... (the forums' channel layer)"; exit 1; }
	$(BIN)/python bench/all.py $(BENCH_ARGS)

# French must stay complete (tests/core/test_i18n.py); new strings come out empty in mg sw es pt and
# fall back (docs/languages-and-money.md).
messages: install
	$(BIN)/django-admin makemessages -l fr -l mg -l sw -l es -l pt --no-obsolete --no-location --settings=coop.settings --pythonpath=. \
	  --ignore='.venv/*' --ignore='tests/*' --ignore='bench/*' --ignore='staticfiles/*' --ignore='var/*'
	@$(MANAGE) compile_translations

# The OpenAPI schema must build without a warning (coop.core.schema; ~3 s). lint-imports
# checks the layer contracts of pyproject.toml (docs/architecture.md).
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/hadolint Dockerfile
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) spectacular --validate --fail-on-warn --file /dev/null

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) var staticfiles
