# Two commands for a fresh machine: `make demo` (sample data -> warehouse -> dashboards) and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

$(BIN)/oversight: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# The browser tests drive Debian's chromium (never a downloaded browser); charts and screenshots
# need the CJK fonts; the DuckLake tests start Debian's PostgreSQL (initdb, pg_ctl). Installed from
# Debian's packages when missing.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
system-packages:
	@if ! command -v chromium >/dev/null || ! dpkg -s fonts-noto-cjk >/dev/null 2>&1 \
	    || ! dpkg -s postgresql >/dev/null 2>&1; then \
	  $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium fonts-noto-cjk postgresql; fi

# The ETL and analytics suites a second time with every warehouse on DuckLake, its catalog in a
# PostgreSQL server started for the run (tests/lake_support.py, docs/ducklake.md).
DUCKLAKE_TESTS := tests/test_load_*.py tests/test_analytics_*.py tests/test_queries_profiles.py tests/test_cli_refresh.py
# One pytest worker per core (pytest-xdist), each test file whole on one worker (its module fixtures
# built once); each worker starts its own PostgreSQL for the DuckLake pass.
PARALLEL := -n auto --dist loadfile

.PHONY: install demo test test-ducklake bench system-packages bench-dashboards bench-ducklake
install: $(BIN)/oversight

demo: install
	$(BIN)/oversight demo

test: install system-packages
	$(BIN)/pytest $(PARALLEL)
	$(BIN)/pytest $(PARALLEL) --ducklake $(DUCKLAKE_TESTS)

test-ducklake: install system-packages
	$(BIN)/pytest $(PARALLEL) --ducklake $(DUCKLAKE_TESTS)

bench: install
	$(BIN)/python -m benchmarks.etl_load

bench-dashboards: install
	$(BIN)/python -m benchmarks.dashboards

bench-ducklake: install system-packages
	$(BIN)/python -m benchmarks.ducklake
