PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install system-deps demo-deps demo test test-fast lint format bench notebook clean

$(STAMP): requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# Debian packages: all the tests use (LibreOffice Calc opens every workbook, Chromium the web
# report), or, for the demo, only Pango, HarfBuzz and fonts (its PDFs).
system-deps:
	bash scripts/system-deps.sh test

demo-deps:
	bash scripts/system-deps.sh demo

# The month is built as a draft, approved (as a partner would after reading the web report),
# then sent into output/2026-10/outbox/.
demo: $(STAMP) demo-deps
	$(BIN)/reports monthly --sandbox --month 2026-10 --out output --config demo/reports.toml --commentary demo/commentary/2026-10.md
	$(BIN)/reports approve --sandbox --month 2026-10 --out output --config demo/reports.toml --by "Demo Partner"
	$(BIN)/reports email --sandbox --month 2026-10 --out output --config demo/reports.toml
	$(BIN)/reports chase --sandbox --as-of 2026-10-31 --out output --config demo/reports.toml
	$(BIN)/reports approve --chase 2026-10-31 --out output --config demo/reports.toml --by "Demo Partner"
	$(BIN)/reports email --chase 2026-10-31 --out output --config demo/reports.toml
	@echo "demo report written to output/2026-10/: web report (report-2026-10.html), workbook, PDF report, statements/, outbox/ (emails), data/ (snapshot), manifest.json (approval); every month: output/index.html; payment reminders of 31 Oct 2026: output/chase/2026-10-31/ (reminders.md, outbox/)"

test: $(STAMP) system-deps
	$(BIN)/ruff check reports tests benchmarks notebooks
	$(BIN)/ruff format --check reports tests benchmarks notebooks
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

# The tests that need no sandbox on loopback, LibreOffice or Chromium, in under a minute:
# lint first, as `make test` does; a test that needs either and is not marked fails here.
test-fast: $(STAMP)
	$(BIN)/ruff check reports tests benchmarks notebooks
	$(BIN)/mypy
	REPORTS_TEST_FAST=1 $(BIN)/python -m pytest -q -m "not loopback and not libreoffice and not browser"

# JupyterLab on the notebooks, from the project's venv (they use the sandbox unless sources
# are configured); it prints the address to open.
notebook: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks --no-browser

lint: $(STAMP)
	$(BIN)/ruff check reports tests benchmarks notebooks
	$(BIN)/ruff format --check reports tests benchmarks notebooks
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format reports tests benchmarks notebooks
	$(BIN)/ruff check --fix reports tests benchmarks notebooks

bench: $(STAMP)
	$(BIN)/python benchmarks/compute.py
	$(BIN)/python benchmarks/excel.py
	$(BIN)/python benchmarks/pdf.py
	$(BIN)/python benchmarks/rerun.py
	$(BIN)/python benchmarks/approve.py
	$(BIN)/python benchmarks/fetch.py
	$(BIN)/python benchmarks/faults.py
	$(BIN)/python benchmarks/monthly.py --scale 10

clean:
	rm -rf $(VENV) output
