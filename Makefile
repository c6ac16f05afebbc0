# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test install dev lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

dev: $(VENV)/.installed-dev

## demo: start the embedded sandbox and run validate → plan → apply → drift on schedules/
demo: install
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo.sh

## test: lint, type-check and run the whole test suite
test: dev lint
	$(BIN)/pytest

lint: dev
	$(BIN)/ruff check provisioner tests benchmarks
	$(BIN)/mypy

bench: install
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .demo .pytest_cache .mypy_cache .ruff_cache
