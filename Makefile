# Tend: `make run` serves the app with its scheduler; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
NODE_STAMP := node_modules/.installed

.PHONY: run test lint migrate migration bench bench-api bench-sender clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever pyproject.toml changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

$(NODE_STAMP): package.json
	@if [ -f package-lock.json ]; then npm ci --silent --no-audit --no-fund; \
	else npm install --silent --no-audit --no-fund; fi
	touch $@

migrate: $(STAMP)
	$(BIN)/python -m alembic upgrade head

run: migrate
	$(BIN)/python -m server

test: $(DEV_STAMP) $(if $(wildcard package.json),$(NODE_STAMP))
	$(BIN)/python -m ruff check .
	$(BIN)/python -m pytest

lint: $(DEV_STAMP)
	$(BIN)/python -m ruff check .

# Rebuild the single initial migration from the models (allowed until the first release).
migration: $(DEV_STAMP)
	$(BIN)/python tools/regenerate_initial_migration.py

bench: $(DEV_STAMP)
	$(BIN)/python bench/dispatch.py $(BENCH_ARGS)

bench-api: $(DEV_STAMP)
	$(BIN)/python bench/api.py $(BENCH_ARGS)

bench-sender: $(DEV_STAMP)
	$(BIN)/python bench/sender.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache
