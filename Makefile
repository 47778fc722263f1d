# Headway — the commands a newcomer and CI type.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint fix test-postgres serve clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Headway needs Python 3.11 ($(PYTHON) not found; set PYTHON=...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## make demo: install, migrate, load the demo organization, serve on http://127.0.0.1:8000
demo: $(STAMP)
	$(BIN)/headway migrate --noinput -v 0
	$(BIN)/headway demo
	$(BIN)/headway serve

## make test: install and run the whole test suite (SQLite unless DATABASE_URL is set)
test: $(STAMP)
	$(BIN)/pytest -n 2

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy
	HEADWAY_DATA_DIR=$$(mktemp -d) $(BIN)/headway makemigrations --check --dry-run

fix: $(STAMP)
	$(BIN)/ruff check --fix src tests
	$(BIN)/ruff format src tests

test-postgres: $(STAMP)
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/test $(BIN)/pytest -n 2

serve: $(STAMP)
	$(BIN)/headway serve

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .hypothesis
