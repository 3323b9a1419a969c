# One way to run things. Each target creates .venv and installs what it needs on first use.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Lambda runs Python 3.12: use it locally too. A pyenv shim may be on PATH and still fail,
# so each candidate is run, not just found.
PYTHON ?= $(shell for p in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12 /usr/bin/python3.12 python3; do \
	"$$p" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null && { echo "$$p"; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
STAGE ?= dev
# jsii warns that Node 20 is old; it works, and the banner drowns real output.
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.12 is needed (the Lambda runtime's version)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,cdk,cli]'
	touch $(STAMP)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

.PHONY: help install dev test test-fast lint format typecheck layer synth deploy bench invoke clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

install: $(STAMP)  ## create .venv with every dependency

dev: $(STAMP)  ## serve every route group on 127.0.0.1:8000 over emulated AWS
	$(PY) -m tools.local

layer: $(STAMP)  ## build the Lambda dependency layers: core, tokens, checks (once; reused until pins change)
	$(PY) layers/build.py

test: $(STAMP) layer  ## lint, then every test (unit, api, infra, e2e)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest -n 2 --dist loadgroup

test-fast: $(STAMP)  ## the tests that need no CDK synth
	$(PY) -m pytest -m "not slow"

lint: $(STAMP)  ## ruff and mypy
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

synth: $(STAMP) layer node_modules/.installed  ## cdk synth (STAGE=dev|prod)
	npx cdk synth -c stage=$(STAGE) --quiet

deploy: $(STAMP) layer node_modules/.installed  ## cdk deploy (needs AWS credentials)
	npx cdk deploy -c stage=$(STAGE)

bench: $(STAMP) layer  ## benchmarks; results go to BENCHMARKS.md
	$(PY) -m bench

invoke: $(STAMP)  ## run a handler with an event: make invoke FN=health EVENT=events/apigw_v2_healthz.json
	$(PY) tools/invoke $(FN) $(EVENT)

clean:
	rm -rf cdk.out .build layers/build .pytest_cache .ruff_cache .mypy_cache
