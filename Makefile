# driehoek: `make serve` runs it on the bundled data, `make test` runs the test suite.
# Both set up everything they need on a fresh clone.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: serve test test-remote test-virtuoso test-fast install bench clean distclean browser virtuoso ldes-client

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test,bench]'
	touch $@

install: $(STAMP)

## serve: install, initialise ./var on first run, serve on http://127.0.0.1:8000 (DRIEHOEK_* honoured)
serve: $(STAMP)
	$(VENV)/bin/driehoek serve

## browser: make sure Debian's Chromium is there for the browser tests (installs it when root)
browser:
	@./scripts/ensure-chromium

## ldes-client: install the real LDES client (npm ldes-client, pinned) for tests/test_ldes.py
ldes-client:
	@./scripts/ensure-ldes-client

## virtuoso: make sure Debian's Virtuoso Open Source 7 is there for the Virtuoso run (installs it when root)
virtuoso:
	@./scripts/ensure-virtuoso

# The tests that exercise the store and the protocols, which the Virtuoso run covers (the one place
# they are listed; docs/deploy.md says why these): the remote-store tests, the SPARQL Protocol and
# Graph Store Protocol suites with the W3C ones, the write path (Graph Store writes, SPARQL Update,
# trusted loads, whole cases through the gate); the named queries not yet (see below).
VIRTUOSO_TESTS := tests/test_virtuoso.py tests/test_remote_bind.py tests/test_graph_store.py \
	tests/test_w3c_gsp.py tests/test_sparql_protocol.py tests/test_sparql_clients.py \
	tests/test_sparql_negotiation.py tests/test_sparql_isolation.py tests/test_update.py \
	tests/test_trusted_load.py tests/test_whole_case.py
# not yet on Virtuoso: tests/test_named_queries.py (docs/deploy.md, "Named queries on Virtuoso")

## test: install with the test extras and run the whole suite on the embedded store, then on a real
## Oxigraph server (the browser tests, which draw the same pages, run on the embedded one), then the
## store and protocol tests ($(VIRTUOSO_TESTS)) on a real Virtuoso Open Source 7
test: $(STAMP) browser virtuoso ldes-client
	$(PY) -m pytest
	$(PY) -m pytest --store=oxigraph --ignore=tests/browser
	$(PY) -m pytest --store=virtuoso $(VIRTUOSO_TESTS)

## test-remote: the same suite against a real Oxigraph server (`oxigraph serve`, one per data directory)
test-remote: $(STAMP) browser
	$(PY) -m pytest --store=oxigraph

## test-virtuoso: the store and protocol tests on a real Virtuoso (`virtuoso-t`, one per data directory)
test-virtuoso: $(STAMP) virtuoso
	$(PY) -m pytest --store=virtuoso $(VIRTUOSO_TESTS)

## test-fast: everything but the slow and browser tests
test-fast: $(STAMP)
	$(PY) -m pytest -m "not slow and not browser"

## bench: the benchmarks (never part of the test run); see docs/benchmarks.md
bench: $(STAMP)
	$(PY) bench/run.py

clean:
	rm -rf .pytest_cache build dist src/*.egg-info

distclean: clean
	rm -rf $(VENV) var
