# Two commands matter: `make demo` and `make test`. Everything else supports them.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
SIZES ?= 100k

.PHONY: demo test test-neo4j bench bench-neo4j lint install clean chromium

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (Python 3.11 or newer)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $@

install: $(STAMP)

## Start the embedded graph server, import the seed scenario, serve the explorer on PORT;
## Ctrl-C stops the explorer and the graph server it started. `make demo PORT=8600`.
PORT ?= 8501
demo: $(STAMP)
	$(BIN)/ownership demo --port $(PORT)

## The whole test suite (embedded server by default; a real Neo4j when NEO4J_URI is set).
test: $(TEST_STAMP) chromium
	$(BIN)/python -m pytest

## The whole suite again on a real Neo4j 5.26 (the test kit in ../shared/neo4j, started in a
## temporary folder and stopped afterwards); exits with the suite's status.
test-neo4j: $(TEST_STAMP) chromium
	scripts/with-neo4j-kit $(BIN)/python -m pytest

## Headless Chromium for the browser tests, from Debian's packages (never a downloaded build),
## with a Japanese font so screenshots show Japanese names instead of empty boxes.
APT_PACKAGES := chromium fonts-ipafont-gothic
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
chromium:
	@test -x /usr/bin/chromium -a -d /usr/share/fonts/opentype/ipafont-gothic || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PACKAGES) >/dev/null; }

bench: $(TEST_STAMP)
	$(BIN)/python -m bench.run --sizes $(SIZES)

## The same benchmark on a fresh Neo4j 5.26 from the test kit (../shared/neo4j, or NEO4J_KIT),
## started in a temporary folder and stopped afterwards; with both runs of a size done,
## docs/benchmarks.md gets the two engines side by side.
NEO4J_KIT ?= ../shared/neo4j
## A first load commits every 10,000 records there (the loader's default on Neo4j: its
## transaction memory cap refuses 50,000-record chunks; docs/benchmarks.md).
## FIRST_LOAD=bulk loads the graph by the bulk path instead (ownership export --neo4j-admin,
## the kit's neo4j-admin, ownership db init: docs/bulk-load.md), measured part by part.
FIRST_LOAD ?= import
bench-neo4j: $(TEST_STAMP)
	$(BIN)/python -m bench.run --sizes $(SIZES) --server neo4j-kit --kit $(NEO4J_KIT) \
	  --first-load $(FIRST_LOAD)

lint: $(TEST_STAMP)
	$(BIN)/ruff check ownership tests bench app.py
	$(BIN)/ruff format --check ownership tests bench app.py

clean:
	rm -rf $(VENV) build *.egg-info
