# The two commands of the README: `make demo` and `make test`. Each creates the virtual environment.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint bench catalog clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.demo-installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[demo]'
	touch $@

$(VENV)/.test-installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[demo,test]'
	touch $@

# JupiterOne's own published tools (data model, SDK CLI, rule packs): the tests' oracles, from npm.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

demo: $(VENV)/.demo-installed
	$(BIN)/graph-aws demo

lint: $(VENV)/.test-installed
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

test: lint node_modules/.installed
	$(BIN)/pytest -q

# The README's collected-types tables, from the step registry.
catalog: $(VENV)/.test-installed
	$(BIN)/python -m graph_aws.aws.catalog README.md

bench: $(VENV)/.test-installed
	$(BIN)/python bench/org_collect.py

clean:
	rm -rf $(VENV) node_modules graph-aws-demo.db
