# Kindred — the only commands you need:
#   make run    set up everything from the lock file and serve the demo on http://127.0.0.1:8000
#   make test   run the whole test suite
#   make check  ruff, mypy and import-linter

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
UV_VERSION := 0.13.8

.PHONY: run test check venv migrate demo bench clean

# The virtualenv is rebuilt whenever the lock file changes. uv is bootstrapped into the venv with
# pip (it is also pinned in the lock, so `uv sync` keeps it) and installs exactly what uv.lock says.
$(VENV)/.installed: uv.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv sync --frozen --quiet --python $(BIN)/python
	touch $@

venv: $(VENV)/.installed

# `make run` is the development server: DEBUG on, the demo secret key, SQLite unless DATABASE_URL says otherwise.
DEV_ENV := DEBUG=$${DEBUG:-true}
# Tests and type checks load the production-shaped settings with a throwaway key.
# Production refuses keys under 50 characters, so the throwaway key is long too.
TEST_ENV := SECRET_KEY=$${SECRET_KEY:-tests-only-not-a-secret-$$$$-padded-to-pass-the-50-character-rule}

migrate: venv
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput

demo: migrate
	$(DEV_ENV) $(BIN)/python manage.py load_demo

run: demo
	$(DEV_ENV) PORT=$(PORT) $(BIN)/python manage.py serve_all

test: venv
	$(TEST_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

check: venv
	$(BIN)/ruff check kindred tests $(wildcard bench)
	$(BIN)/ruff format --check kindred tests $(wildcard bench)
	$(TEST_ENV) $(BIN)/mypy kindred
	$(BIN)/lint-imports

bench: venv
	@for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) db.sqlite3 screenshots test-artifacts
