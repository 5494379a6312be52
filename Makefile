# The two commands a newcomer needs: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: demo test install lint format sandbox bench register clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required, found " + sys.version'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

sandbox/node_modules/.package-lock.json: sandbox/package-lock.json
	@command -v node >/dev/null || { echo "node 20 is required for the sandbox (https://nodejs.org)"; exit 1; }
	cd sandbox && npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed sandbox/node_modules/.package-lock.json

## demo: start the sandbox, run the flows against it with an ephemeral Prefect and a SQLite hub
demo: install
	$(PY) -m deployments.demo

## test: lint, then every test (unit, sandbox integration, Prefect flows)
test: install lint
	$(PY) -m pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## sandbox: run the local commercetools stand-in in the foreground (Ctrl-C stops it)
sandbox: install
	$(PY) -m sandbox

## bench: benchmarks against the sandbox (never part of `make test`)
bench: install
	$(PY) bench/sandbox_throughput.py

## register: make the blocks appear in the Prefect UI of the current PREFECT_API_URL
register: $(VENV)/.installed
	$(VENV)/bin/prefect block register -m blocks

clean:
	rm -rf $(VENV) sandbox/node_modules .pytest_cache .ruff_cache
