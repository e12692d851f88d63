# Two entry points for a fresh machine with python3 and make: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck bench docs clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/sheets-sync demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/compute.py

docs: $(STAMP)
	$(BIN)/sheets-sync kpis --format markdown > docs/kpis.md
	$(BIN)/sheets-sync kpis --format markdown --lang ru > docs/kpis.ru.md

clean:
	rm -rf $(VENV) build *.egg-info
