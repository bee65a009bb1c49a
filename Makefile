# Two commands for a fresh machine: `make demo` (sample data -> warehouse -> dashboards) and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

$(BIN)/oversight: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

.PHONY: install demo test bench bench-dashboards
install: $(BIN)/oversight

demo: install
	$(BIN)/oversight demo

test: install
	$(BIN)/pytest

bench: install
	$(BIN)/python -m benchmarks.etl_load

bench-dashboards: install
	$(BIN)/python -m benchmarks.dashboards
