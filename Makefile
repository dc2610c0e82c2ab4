# The two commands of the README: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench setup system clean

run: $(STAMP)  ## set up and start the whole demo (replay upstream, API, poller) on one port
	$(BIN)/nflscores demo

test: system $(STAMP)  ## set up and run every test against real Redis, nginx and Chromium
	$(BIN)/pytest

lint: $(STAMP)  ## ruff and mypy --strict
	$(BIN)/ruff check nflscores tests bench scripts deploy
	$(BIN)/ruff format --check nflscores tests bench scripts deploy
	$(BIN)/mypy
	$(BIN)/mypy --strict deploy/gunicorn.conf.py deploy/healthcheck.py

format: $(STAMP)
	$(BIN)/ruff check --fix nflscores tests bench scripts deploy
	$(BIN)/ruff format nflscores tests bench scripts deploy

bench: system $(STAMP)  ## run bench/ and write bench/RESULTS.md
	$(BIN)/python -m bench

setup: system $(STAMP)

system:  ## redis-server, nginx, chromium and wrk from the system's packages when missing
	./scripts/install-system-packages.sh

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,bench]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache tests/artifacts
