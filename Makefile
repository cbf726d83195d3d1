# Tend: `make run` serves the app with its scheduler; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
NODE_STAMP := node_modules/.installed

.PHONY: run test test-fast lint lint-js format lock migrate migration bench bench-api profile-api bench-sender bench-caps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs exactly the versions in the lock files (reinstalled whenever they change); the
# project itself is installed editable on top, without letting pip pick other versions.
$(STAMP): pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(DEV_STAMP): pyproject.toml requirements-dev.lock $(STAMP)
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	touch $@

# Re-pin the lock files after changing dependencies in pyproject.toml.
lock: $(DEV_STAMP)
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
		--output-file=requirements.lock pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
		--extra dev --output-file=requirements-dev.lock pyproject.toml

$(NODE_STAMP): package.json package-lock.json
	@if [ -f package-lock.json ]; then npm ci --silent --no-audit --no-fund; \
	else npm install --silent --no-audit --no-fund; fi
	touch $@

migrate: $(STAMP)
	$(BIN)/python -m alembic upgrade head

run: migrate
	$(BIN)/python -m server

test: $(DEV_STAMP) $(if $(wildcard package.json),$(NODE_STAMP))
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .
	npx --no-install eslint pwa
	$(BIN)/python -m pytest

# The edit-test loop: no browser, no PostgreSQL, no benchmark smoke runs.
test-fast: $(DEV_STAMP)
	$(BIN)/python -m ruff check .
	TEND_TEST_DATABASE_URL= $(BIN)/python -m pytest -q -x --ignore=tests/browser \
		--ignore=tests/test_bench_smoke.py $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .

# The PWA's JavaScript, read as the browser reads it (no build step).
lint-js: $(NODE_STAMP)
	npx --no-install eslint pwa

format: $(DEV_STAMP)
	$(BIN)/python -m ruff format .

# A new migration from the models: make migration MESSAGE="what changed". Migrations are
# additive: never edit one that has landed.
migration: $(DEV_STAMP)
	$(BIN)/python -m alembic revision --autogenerate -m "$(MESSAGE)"

bench: $(DEV_STAMP)
	$(BIN)/python bench/dispatch.py $(BENCH_ARGS)

bench-api: $(DEV_STAMP)
	$(BIN)/python bench/api.py $(BENCH_ARGS)

profile-api: $(DEV_STAMP)
	$(BIN)/python bench/profile_api.py $(BENCH_ARGS)

bench-sender: $(DEV_STAMP)
	$(BIN)/python bench/sender.py $(BENCH_ARGS)

bench-caps: $(DEV_STAMP)
	$(BIN)/python bench/caps.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache
