# The two commands of the README: `make demo` and `make test`. Each creates the virtual environment.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint bench catalog clean ui

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

# The web UI's graph library (Cytoscape.js, pinned in package.json) is copied from npm with its licence
# into serve's static folder, never committed; `serve` without it still works and says how to get it.
VENDOR := src/graph_aws/serve/static/vendor
$(VENDOR)/.installed: node_modules/.installed
	mkdir -p $(VENDOR)
	cp node_modules/cytoscape/dist/cytoscape.min.js $(VENDOR)/cytoscape.min.js
	cp node_modules/cytoscape/LICENSE $(VENDOR)/cytoscape.LICENSE.txt
	touch $@

ui: $(VENDOR)/.installed

demo: $(VENV)/.demo-installed
	@command -v npm >/dev/null && $(MAKE) --no-print-directory ui \
		|| echo "npm not found: serve's graph picture needs Node.js and npm, then 'make ui'"
	$(BIN)/graph-aws demo

lint: $(VENV)/.test-installed
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

# In 3 processes (PYTEST_PROCESSES=N for another number), each taking whole test files, so that a
# module's shared fixtures are built once.
test: lint node_modules/.installed $(VENDOR)/.installed
	$(BIN)/pytest -q -n $${PYTEST_PROCESSES:-3} --dist loadfile

# The README's collected-types tables, from the step registry.
catalog: $(VENV)/.test-installed
	$(BIN)/python -m graph_aws.aws.catalog README.md

bench: $(VENV)/.test-installed
	$(BIN)/python bench/org_collect.py

clean:
	rm -rf $(VENV) node_modules graph-aws-demo.db $(VENDOR)
