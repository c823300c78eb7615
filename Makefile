# 四邻联动 — the two front-door commands are `make run` and `make test`.
# Everything they need is installed here, idempotently.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.requirements-installed
# The demo never sends a text message, whatever the shell exports: console prints them.
DJANGO := DEBUG=1 SMS_BACKEND=console $(BIN)/python manage.py
HOST ?= 127.0.0.1:8000

.PHONY: run test lint typecheck format setup messages system-deps test-deps bench clean security soak mutants

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $(STAMP)

setup: $(STAMP) messages

## Compile the translation catalogues with polib (pure Python: no gettext needed to run).
messages: $(STAMP)
	$(BIN)/python -m devtools.compile_messages

## Serve the seeded demo on the embedded SQLite database, with a background worker beside
## the development server (large exports and imports, text messages printed, never sent);
## Ctrl-C stops both.
run: setup
	$(DJANGO) migrate --noinput
	$(DJANGO) seed_demo
	@echo "Serving on http://$(HOST)/ with a background worker (Ctrl-C to stop)"
	@$(DJANGO) db_worker --no-reload --interval 1 -v0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(DJANGO) runserver $(HOST)

## The system packages the tests need: gettext (catalogue completeness), Chromium, and
## redis-server (the two-servers test and CI's REDIS_URL pass run a Redis).
system-deps:
	@missing=""; \
	command -v xgettext >/dev/null 2>&1 || missing="$$missing gettext"; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	command -v zbarimg >/dev/null 2>&1 || missing="$$missing zbar-tools"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
		echo "Installing:$$missing"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

test-deps: setup system-deps

## The whole suite (uses DATABASE_URL when set, else SQLite), browser tests included, in
## TEST_WORKERS processes (pytest-xdist; "auto": one per CPU, 0: in this process). Each
## process has a test database of its own; a file's tests stay in one process, so a
## module's fixtures (the seeded demo, a served gunicorn) are set up once.
TEST_WORKERS ?= auto
test: test-deps
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

## The mutation check (a developer's, not part of make test): each rule listed in
## devtools/mutants.py is broken in turn in a temporary copy and the tests that guard it
## run; it fails if any broken rule goes unnoticed. MUTANTS_ARGS="-k axes" picks some.
mutants: setup
	$(BIN)/python -m devtools.mutants $(MUTANTS_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## The type check: mypy with the Django stubs, strict over the service boundary (every
## package's services, selectors and access modules) and the platform floor (infra/); the
## modules it covers are listed under [tool.mypy] in pyproject.toml.
typecheck: $(STAMP)
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

## Security checks: bandit (no medium or high findings) and pip-audit (pinned requirements).
security: $(STAMP)
	$(BIN)/bandit -q -r base notify households members casebook liaison devtools -x "*/migrations/*" -ll
	$(BIN)/pip-audit -r requirements.txt --progress-spinner off

## Reliability soak (loopback, bounded): 60 s on SQLite (text messages on, through a provider
## double refusing one call in five), then 60 s on PostgreSQL with a
## worker killed and PostgreSQL stopped and started mid-run, then 60 s on two app servers
## sharing PostgreSQL and a Redis of the soak's own, with a background worker running
## exports: one server killed, a worker of the other killed, the background worker killed
## mid-job, Redis restarted, PostgreSQL restarted. Needs root for pg_ctlcluster;
## only the cluster on SOAK_PG_PORT is restarted (e.g. one of its own:
## pg_createcluster 15 soak --port 5439 --start, then make soak SOAK_PG_PORT=5439).
SOAK_SECONDS ?= 60
SOAK_PG_PORT ?= 5432
SOAK_DB ?= liaison_soak
SOAK_PG ?= postgres://postgres@127.0.0.1:$(SOAK_PG_PORT)/$(SOAK_DB)
soak: setup
	rm -f soak.sqlite3 soak.sqlite3-wal soak.sqlite3-shm
	SQLITE_PATH=soak.sqlite3 $(DJANGO) migrate --noinput -v0
	SQLITE_PATH=soak.sqlite3 $(DJANGO) seed_demo -v0
	SQLITE_PATH=soak.sqlite3 $(DJANGO) soak --seconds $(SOAK_SECONDS) --workers 4 --kill-worker --sms
	psql -h 127.0.0.1 -p $(SOAK_PG_PORT) -U postgres -q -c "DROP DATABASE IF EXISTS $(SOAK_DB)" -c "CREATE DATABASE $(SOAK_DB)"
	DATABASE_URL=$(SOAK_PG) $(DJANGO) migrate --noinput -v0
	DATABASE_URL=$(SOAK_PG) $(DJANGO) seed_demo -v0
	DATABASE_URL=$(SOAK_PG) $(DJANGO) soak --seconds $(SOAK_SECONDS) --workers 4 --kill-worker --restart-postgres
	DATABASE_URL=$(SOAK_PG) $(DJANGO) soak --seconds $(SOAK_SECONDS) --servers 2 --workers 2 \
		--kill-server --kill-worker --restart-redis --restart-postgres --kill-task-worker

## The benchmark (not part of make test): every page at scale 1 and at BENCH_SCALE, with the
## trivial-view and admin-changelist baselines, a loopback load test and task timings.
## Uses DATABASE_URL when set (PostgreSQL for the headline figures), else SQLite files.
BENCH_SCALE ?= 100
bench: setup
	$(DJANGO) bench --scale $(BENCH_SCALE) --json bench.json $(BENCH_ARGS)
