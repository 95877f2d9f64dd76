# driehoek: `make serve` runs it on the bundled data, `make test` runs the test suite.
# Both set up everything they need on a fresh clone.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: serve test test-pass-embedded test-pass-oxigraph test-pass-virtuoso test-remote test-virtuoso test-fast install bench clean distclean browser virtuoso ldes-client

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

# The Virtuoso pass runs every test that opens a store (conftest.py deselects the rest on a remote
# store: they ran on the embedded pass) but these, with the reason:
#  - tests/browser: the browser tests draw the same pages on every backend; they run on the embedded one
#  - two tests of a query's syntax error: it comes back as Virtuoso's multi-line SP030 message, where
#    the tests ask for the CLI's one line and the editor's line and column (the embedded store's and
#    Oxigraph's parser errors give both)
VIRTUOSO_NOT_YET := --ignore=tests/browser \
	--deselect tests/test_cli.py::test_query_syntax_error_is_one_line \
	--deselect tests/test_editor.py::test_a_syntax_error_is_shown_in_the_page_with_line_and_column

## test: install with the test extras and run three pytest passes, one after the other: the whole
## suite on the embedded store, then the tests that open a store on a real Oxigraph server and on a
## real Virtuoso Open Source 7 (docs/testing.md: what runs where, what it takes, and why not side by
## side on two cores; `make -j3 --output-sync=target test` runs them so all the same)
test: $(STAMP) browser virtuoso ldes-client test-pass-embedded test-pass-oxigraph test-pass-virtuoso

test-pass-embedded: $(STAMP) browser ldes-client
	$(PY) -m pytest

test-pass-oxigraph: $(STAMP)
	$(PY) -m pytest --store=oxigraph --ignore=tests/browser

test-pass-virtuoso: $(STAMP) virtuoso
	$(PY) -m pytest --store=virtuoso $(VIRTUOSO_NOT_YET)

## test-remote: the same suite against a real Oxigraph server (`oxigraph serve`, one per data directory)
test-remote: $(STAMP) browser
	$(PY) -m pytest --store=oxigraph

## test-virtuoso: the tests that open a store, on a real Virtuoso (`virtuoso-t`, one per data directory)
test-virtuoso: $(STAMP) virtuoso
	$(PY) -m pytest --store=virtuoso $(VIRTUOSO_NOT_YET)

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
