# Field Concierge: `make run` launches the demo, `make test` runs everything CI runs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint typecheck contracts pytest core-only system-deps screenshot bench clean

setup: $(STAMP)

# Reinstall only when the dependency declaration changed (or the venv is new).
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11+ is required (found $$($(PYTHON) --version))."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

# The demo office runs its own MQTT broker (mosquitto, else embedded amqtt) and simulated devices.
run: setup
	CONCIERGE_DEMO_DEVICES=1 $(BIN)/concierge --demo

screenshot: setup
	QT_QPA_PLATFORM=offscreen $(BIN)/concierge --demo --screenshot docs/screenshot-board.png

system-deps:
	@scripts/system-deps.sh

lint: setup
	$(BIN)/ruff check concierge concierge_office ui tests benchmarks scripts packaging

typecheck: setup
	$(BIN)/mypy

contracts: setup
	$(BIN)/lint-imports

# The core's tests with every Qt import blocked: proves concierge/ runs headless without PySide6.
core-only: setup
	CONCIERGE_BLOCK_QT=1 $(BIN)/python -m pytest -c tests/core-only.ini --rootdir=. -p no:pytest-qt tests/core

pytest: setup system-deps
	scripts/test-session.sh $(BIN)/python -m pytest

test: setup system-deps lint typecheck contracts core-only pytest

bench: setup
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
