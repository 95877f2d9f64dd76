# driehoek: `make serve` runs it on the bundled data, `make test` runs the test suite.
# Both set up everything they need on a fresh clone.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: serve test test-remote test-fast install bench clean distclean browser

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

## test: install with the test extras and run the whole suite, on the embedded store and then on a
## real Oxigraph server (the browser tests, which draw the same pages, run on the embedded one)
test: $(STAMP) browser
	$(PY) -m pytest
	$(PY) -m pytest --store=oxigraph --ignore=tests/browser

## test-remote: the same suite against a real Oxigraph server (`oxigraph serve`, one per data directory)
test-remote: $(STAMP) browser
	$(PY) -m pytest --store=oxigraph

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
