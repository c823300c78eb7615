# 四邻联动 — the two front-door commands are `make run` and `make test`.
# Everything they need is installed here, idempotently.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.requirements-installed
DJANGO := DEBUG=1 $(BIN)/python manage.py
HOST ?= 127.0.0.1:8000

.PHONY: run test lint format setup messages system-deps test-deps bench clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $(STAMP)

setup: $(STAMP) messages

## Compile the translation catalogues with polib (pure Python: no gettext needed to run).
messages: $(STAMP)
	$(BIN)/python -m liaison.compile_messages

## Serve the seeded demo on the embedded SQLite database.
run: setup
	$(DJANGO) migrate --noinput
	$(DJANGO) createcachetable
	$(DJANGO) seed_demo
	@echo "Serving on http://$(HOST)/ (Ctrl-C to stop)"
	$(DJANGO) runserver $(HOST)

## The system packages the tests need: gettext (catalogue completeness) and Chromium.
system-deps:
	@missing=""; \
	command -v xgettext >/dev/null 2>&1 || missing="$$missing gettext"; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	command -v zbarimg >/dev/null 2>&1 || missing="$$missing zbar-tools"; \
	if [ -n "$$missing" ]; then \
		echo "Installing:$$missing"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

test-deps: setup system-deps

## The whole suite (uses DATABASE_URL when set, else SQLite).
test: test-deps
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
