# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_FLEET ?= 500
# Python may write bytecode (some machines set PYTHONDONTWRITEBYTECODE=1): without it every
# test process and every program a test starts compiles the same modules again, and pytest
# rewrites its test and plugin modules again in each worker (about 15 s of CPU each).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run appliance test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@ $(VENV)/.installed

## run: start the console against an embedded appliance with a demo fleet
run: $(VENV)/.installed
	$(BIN)/jump-console --demo-fleet $(DEMO_FLEET)

## appliance: run the appliance alone with a demo fleet (for curl and scripts)
appliance: $(VENV)/.installed
	$(BIN)/jump-appliance --demo-fleet $(DEMO_FLEET)

## test: lint, type-check and run the whole test suite (and, beside it, its storage tests on PostgreSQL)
test: $(VENV)/.installed-dev
	@scripts/test-services
	@scripts/lint-and-warm-up $(BIN)
	@scripts/test-both-engines $(BIN)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## bench: run every benchmark in bench/ (each prints its figures and ratios)
bench: $(VENV)/.installed-dev
	@set -e; found=0; for script in bench/*.py; do \
		[ -e "$$script" ] || continue; found=1; \
		echo "== $$script"; $(BIN)/python "$$script"; \
	done; [ $$found = 1 ] || echo "No benchmarks yet."

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
