PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint format bench clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/reports fetch --sandbox --out output/sandbox
	@echo "demo frames written to output/sandbox/ (the monthly report itself is not built yet)"

test: $(STAMP)
	$(BIN)/ruff check reports tests benchmarks
	$(BIN)/ruff format --check reports tests benchmarks
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check reports tests benchmarks
	$(BIN)/ruff format --check reports tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format reports tests benchmarks
	$(BIN)/ruff check --fix reports tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/fetch.py

clean:
	rm -rf $(VENV) output
