# Kindred — the only commands you need:
#   make run    set up everything from the lock file and serve the demo on http://127.0.0.1:8000
#   make test   run the whole test suite
#   make check  ruff, mypy and import-linter

# Kindred runs on Python 3.11 (pyproject.toml's requires-python); python3.11 is used where it exists.
PYTHON_VERSION := 3.11
PYTHON ?= $(shell command -v python$(PYTHON_VERSION) 2>/dev/null || echo python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
UV_VERSION := 0.13.8

.PHONY: run test check venv migrate demo bench clean

# "3.11" from `python -c $(SAYS_VERSION)`; nothing if that python does not run.
SAYS_VERSION := 'import sys; print("%d.%d" % sys.version_info[:2])'

# A virtualenv made by another Python (say a first try with 3.12 that failed half-way) is rebuilt,
# never reused: its .installed stamp does not count.
ifneq ($(shell $(BIN)/python -c $(SAYS_VERSION) 2>/dev/null),$(PYTHON_VERSION))
.PHONY: $(VENV)/.installed
endif

# The virtualenv is rebuilt whenever the lock file changes. uv is bootstrapped into the venv with
# pip (it is also pinned in the lock, so `uv sync` keeps it) and installs exactly what uv.lock says.
$(VENV)/.installed: uv.lock pyproject.toml
	@found="$$($(BIN)/python -c $(SAYS_VERSION) 2>/dev/null)"; \
	if [ -e $(VENV) ] && [ "$$found" != "$(PYTHON_VERSION)" ]; then \
		echo "$(VENV) was made by Python $${found:-that no longer runs}, not $(PYTHON_VERSION): rebuilding it."; \
		rm -rf $(VENV); \
	fi
	@found="$$($(PYTHON) -c $(SAYS_VERSION) 2>/dev/null)"; \
	if [ ! -e $(VENV) ] && [ "$$found" != "$(PYTHON_VERSION)" ]; then \
		echo "Kindred needs Python $(PYTHON_VERSION), but $(PYTHON) is $${found:-not a Python that runs}." \
			"Install python$(PYTHON_VERSION), or name it: make run PYTHON=/path/to/python$(PYTHON_VERSION)" >&2; \
		exit 1; \
	fi
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

# The port is checked before migrating or loading anything: a taken port fails at once, non-zero.
run: venv
	@$(DEV_ENV) $(BIN)/python manage.py serve_all --port $(PORT) --check-port
	@$(MAKE) --no-print-directory demo
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
