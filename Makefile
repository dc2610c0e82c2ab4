# The two commands of the README: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHECKED := nflscores devtools tests bench scripts deploy
DEPLOY_PY := deploy/gunicorn.conf.py deploy/healthcheck.py
# Some machines (containers, this project's CI image) set PYTHONDONTWRITEBYTECODE, so every
# run compiles aiohttp, hypothesis and the tests again; the targets here keep bytecode caches.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test test-fast lint format bench setup system constraints clean help

run: $(STAMP)  ## set up and start the whole demo (replay upstream, API, poller) on one port
	$(BIN)/nflscores demo

test: system $(STAMP)  ## run every test against real Redis, nginx and Chromium, with coverage
	$(BIN)/pytest --cov --cov-report=term:skip-covered

test-fast: system $(STAMP)  ## run the fast core only: no processes, stacks or browsers (-m "not slow")
	$(BIN)/pytest -m "not slow"

lint: $(STAMP)  ## ruff check, ruff format --check and mypy --strict on all the Python
	$(BIN)/ruff check $(CHECKED)
	$(BIN)/ruff format --check $(CHECKED)
	$(BIN)/mypy
	$(BIN)/mypy --strict $(DEPLOY_PY)

format: $(STAMP)  ## fix what ruff can fix and format the code
	$(BIN)/ruff check --fix $(CHECKED)
	$(BIN)/ruff format $(CHECKED)

bench: system $(STAMP)  ## run bench/ and write bench/RESULTS.md
	./scripts/install-system-packages.sh --bench
	$(BIN)/python -m bench

setup: system $(STAMP)  ## install the system packages and the virtualenv

system:  ## redis-server, nginx, chromium and wrk from the system's packages when missing
	./scripts/install-system-packages.sh

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev,bench]'
	touch $(STAMP)

constraints:  ## pin every dependency again: constraints.txt from a fresh virtualenv
	rm -rf $(VENV)-freeze build
	$(PYTHON) -m venv $(VENV)-freeze
	$(VENV)-freeze/bin/pip install -q --upgrade pip
	$(VENV)-freeze/bin/pip install -q '.[dev,bench]'
	{ echo "# Every dependency of .[dev,bench], pinned: make constraints writes it, make setup reads it."; \
	  $(VENV)-freeze/bin/pip freeze --exclude nflscores; } > constraints.txt
	rm -rf $(VENV)-freeze build

clean:  ## remove the virtualenv, caches and test artifacts
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .coverage tests/artifacts

help:  ## list these targets
	@awk -F':.*## ' '/^[a-z][a-z-]*:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
