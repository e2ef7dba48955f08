# Set-up and everyday commands. Needs only Python 3.11+ on the machine: everything else is
# installed into .venv from pyproject.toml.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# Test workers: one more than the cores, since the tests also wait (on Virtuoso, on the
# commands they start, on the disk); on 2 cores 3 workers took 210 s where 2 took 223 s.
JOBS   ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))

.PHONY: run test test-fast lint install clean system-packages architecture screenshots

$(BIN)/caucasus-kg: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("caucasus-kg needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m compileall -q src  # compiled once here, not by every command run read-only
	touch $@

install: $(BIN)/caucasus-kg

## run: build the graph into the embedded store and answer who suspended the CFE Treaty
run: install
	$(BIN)/caucasus-kg build
	$(BIN)/caucasus-kg query who-suspended-cfe

## system-packages: Debian's Chromium (browser tests), Graphviz (dot/svg export), Virtuoso
## (the SPARQL-server store tests; scripts/virtuoso starts it), a Java runtime (HermiT) and
## Apache Jena (its SHACL validator checks the store's dump)
system-packages:
	@if command -v chromium >/dev/null && command -v dot >/dev/null && command -v virtuoso-t >/dev/null \
		&& command -v java >/dev/null && [ -e /usr/share/java/jena-shacl.jar ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium graphviz virtuoso-opensource-7 default-jre-headless libapache-jena-java >/dev/null; \
	else echo "the tests need Chromium, Graphviz, Virtuoso, Java and Jena: sudo apt-get install chromium graphviz virtuoso-opensource-7 default-jre-headless libapache-jena-java"; exit 1; fi

## test: lint, check the layers (import-linter) and run the whole test suite on every core, with
## a Virtuoso server that is started for it and stopped again however the run ends
test: install system-packages
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/lint-imports
	scripts/virtuoso around $(BIN)/pytest -q -n $(JOBS) --dist worksteal

## test-fast: the inner loop: no Virtuoso, no browser, nothing slow
test-fast: install
	$(BIN)/pytest -q -n $(JOBS) --dist worksteal -m "not virtuoso and not browser and not slow"

## architecture: redraw docs/images/architecture.dot and .svg from the code's imports
architecture: install
	$(BIN)/python scripts/architecture_diagram.py

## screenshots: redraw docs/images/network.png (the page of a default `export html`) and
## docs/images/query-page.png (the query page of `serve`) with headless Chromium
screenshots: install
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) .caucasus-kg .pytest_cache .ruff_cache
