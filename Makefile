# The two commands a newcomer needs (README.md): `make demo` and `make test`.
# Both install what is missing first; nothing has to be set up by hand.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test install system-deps postgres lint types imports pytest bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Debian packages the tests need (installed only when missing; CI runs as root).
system-deps:
	scripts/ensure-debian-packages.sh

## A PostgreSQL server on 127.0.0.1 with the role the storage tests use.
postgres: system-deps
	scripts/start-postgres.sh

demo: install
	$(BIN)/cloudcti demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: install
	$(BIN)/mypy

imports: install
	$(BIN)/lint-imports

pytest: install
	$(BIN)/pytest

test: system-deps install lint types imports postgres pytest

bench: install
	$(BIN)/python bench/xsi_decode.py
	$(BIN)/python bench/journal.py
	$(BIN)/python bench/e2e_latency.py
	$(BIN)/python bench/client_popup.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis .import_linter_cache
