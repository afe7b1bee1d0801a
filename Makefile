# Two commands on a fresh machine: `make serve` and `make test`. Each installs what it needs itself.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PREFIX ?= /
OVERLAY ?=

.PHONY: serve site release test lint bench bench-search check thesaurus clean

# pip says errors only (-qq): a machine's own pip settings may name package folders it does not have, and pip then
# warns once for every package, which is nothing the reader can act on.
# (--no-compile: Python compiles a module when it first imports it, not every module of every package at install.)
$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -qq --upgrade pip

$(VENV)/.installed: $(PY) pyproject.toml
	$(PY) -m pip install -qq --no-compile -e .
	touch $@

# The package with the tests' extras, in one pip run: the package is then installed too.
$(VENV)/.installed-test: $(PY) pyproject.toml
	$(PY) -m pip install -qq --no-compile -e ".[test]"
	touch $(VENV)/.installed $@

## serve: build the site and serve it on http://127.0.0.1:$(PORT)$(PREFIX), rebuilding on every change
serve: $(VENV)/.installed
	$(PY) -m generator serve --port $(PORT) --prefix $(PREFIX) $(if $(OVERLAY),--overlay $(OVERLAY))

## site: build site/ for deployment (replaced only when the build succeeds)
site: $(VENV)/.installed
	$(PY) -m generator build $(if $(OVERLAY),--overlay $(OVERLAY))

## release: build site/ and write it as a versioned zip into release/ (open it from a folder, or put it on a server)
release: $(VENV)/.installed
	$(PY) -m generator release $(if $(OVERLAY),--overlay $(OVERLAY))

## check: validate the data and every cross-reference without building
check: $(VENV)/.installed
	$(PY) -m generator check

# Each system package the tests need is checked by a file of its own and installed alone when that file is missing.
/usr/bin/chromium:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

# Firefox ESR opens the site from a folder (tests/test_offline.py), driven over WebDriver BiDi: no driver to install.
/usr/bin/firefox-esr:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq firefox-esr >/dev/null

# LibreOffice prints the workbooks and Word files in tests/test_office.py; the Japanese fonts are checked on their own,
# since a machine may have Chromium or LibreOffice without them.
/usr/bin/soffice:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		libreoffice-calc libreoffice-writer >/dev/null

CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
$(CJK_FONT):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null

/usr/bin/java:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null

## lint: ruff over the generator and the tests
lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check generator tests benchmarks
	$(VENV)/bin/ruff format --check generator tests benchmarks

# One pytest worker more than the cores: a quarter of a two-worker run left the cores idle (browsers, LibreOffice and
# the package registry waited for); three workers on two cores took 7 min 33 s where two took 8 min 21 s.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))

## test: every test (unit, build, browser, quality gates) after lint
test: $(VENV)/.installed-test /usr/bin/chromium /usr/bin/firefox-esr /usr/bin/soffice $(CJK_FONT) /usr/bin/java lint
	$(PY) -m pytest -q --numprocesses $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

## bench: build, rebuild, floor, editor's-loop and heavy-page figures at 1x, 5x and a 1,200-control catalog (not a
## test; BENCH_ARGS="--catalog DIR" adds an imported knowledge base's data folder, --readme writes them into README.md)
bench: $(VENV)/.installed-test /usr/bin/chromium $(CJK_FONT)
	$(PY) benchmarks/bench.py $(BENCH_ARGS)

## bench-search: type the search benchmark's queries into the real search box in Chromium, print hit@1/hit@5/MRR
bench-search: $(VENV)/.installed-test /usr/bin/chromium
	$(PY) benchmarks/search_bench.py $(BENCH_ARGS)

# The search box's Japanese thesaurus (generator/thesauri/sudachi.*) is made from this npm package, never by hand.
SUDACHI_SYNONYMS ?= 18.0.0

## thesaurus: make generator/thesauri/ again from the npm package sudachi-synonyms-dictionary@$(SUDACHI_SYNONYMS)
thesaurus: $(VENV)/.installed
	folder=$$(mktemp -d) && trap 'rm -rf "$$folder"' EXIT && \
		(cd "$$folder" && npm pack --silent sudachi-synonyms-dictionary@$(SUDACHI_SYNONYMS) >/dev/null && tar xzf *.tgz) && \
		$(PY) benchmarks/refresh_thesaurus.py "$$folder/package" generator/thesauri

clean:
	rm -rf build site serve-site release .site.new-* .site.old-* .serve-site.new-* .serve-site.old-*
