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
# need the CJK fonts. Installed from Debian's packages when missing.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
system-packages:
	@if ! command -v chromium >/dev/null || ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then \
	  $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium fonts-noto-cjk; fi

.PHONY: install demo test bench system-packages bench-dashboards
install: $(BIN)/oversight

demo: install
	$(BIN)/oversight demo

test: install system-packages
	$(BIN)/pytest

bench: install
	$(BIN)/python -m benchmarks.etl_load

bench-dashboards: install
	$(BIN)/python -m benchmarks.dashboards
