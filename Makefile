# Field Concierge: `make run` launches the demo, `make test` runs everything CI runs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Message catalogues: .po in git, .mo compiled from them by `make setup` (never committed).
PO_FILES := $(wildcard concierge/locale/*/LC_MESSAGES/concierge.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: screenshots setup lock test-oldest bundle bundle-test run test lint typecheck contracts pytest \
	core-only system-deps screenshot bench clean i18n-update

setup: $(STAMP) $(MO_FILES)

# --- dependencies: installed from the lock (requirements/*.lock), updated by `make lock` ---
LOCK := requirements/dev.lock
BUNDLE_LOCK := requirements/bundle.lock
# The lock's target: CPython 3.11 on Linux x86-64 (glibc 2.34+, as PySide6 6.11 needs).
LOCK_TARGET := --python-version 3.11 --python-platform x86_64-manylinux_2_34
UV := $(BIN)/uv
UPGRADE ?=
LOCK_UPGRADE := $(if $(filter --all,$(UPGRADE)),--upgrade,$(addprefix --upgrade-package ,$(UPGRADE)))

# Reinstall only when the lock or the project declaration changed (or the venv is new):
# exactly the locked versions, then the project itself, editable, without dependencies.
$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11+ is required (found $$($(PYTHON) --version))."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "$$(grep -m1 '^uv==' $(LOCK) | cut -d' ' -f1)"
	$(UV) pip sync --quiet --python $(BIN)/python $(LOCK)
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)

# Re-resolve the locks from pyproject.toml, keeping what still fits.
# One package: `make lock UPGRADE=requests`; everything: `make lock UPGRADE=--all`.
lock:
	@test -x $(UV) || { test -x $(BIN)/python || $(PYTHON) -m venv $(VENV); \
		$(BIN)/python -m pip install --quiet uv; }
	$(UV) pip compile --quiet pyproject.toml --extra test --extra bundle $(LOCK_TARGET) \
		--generate-hashes $(LOCK_UPGRADE) -o $(LOCK)
	$(UV) pip compile --quiet pyproject.toml --extra bundle -c $(LOCK) $(LOCK_TARGET) \
		--generate-hashes -o $(BUNDLE_LOCK)

# The core suite (Qt blocked, as in core-only) against the lowest versions pyproject.toml
# allows for each direct dependency: proves the declared floors are true.
OLDEST := .venv-oldest
test-oldest: setup
	@rm -rf $(OLDEST)  # new each time: a kept venv would keep newer versions that also fit
	$(UV) venv --quiet --python $(PYTHON) $(OLDEST)
	$(UV) pip install --quiet --python $(OLDEST)/bin/python --resolution lowest-direct \
		-e '.[test,bundle]'
	CONCIERGE_BLOCK_QT=1 $(OLDEST)/bin/python -m pytest -c tests/core-only.ini --rootdir=. \
		-p no:pytest-qt tests/core

# --- bundles (packaging/) ---------------------------------------------------------------
# The Linux one-folder bundle and its tarball, built from requirements/bundle.lock.
bundle: setup
	packaging/linux/build.sh

# Build, then run the frozen app: --version, a headless command, the demo offscreen to a
# screenshot, the tarball's install script.
bundle-test: bundle system-deps
	scripts/test-session.sh $(BIN)/python -m pytest -q packaging/test_bundle_smoke.py

$(MO_FILES): %.mo: %.po | $(STAMP)
	$(BIN)/pybabel compile -D concierge -i $< -o $@

# Re-extract the English source text and merge it into every .po (no fuzzy guesses).
i18n-update: $(STAMP)
	$(BIN)/python scripts/i18n_catalogue.py update

# The demo office runs its own MQTT broker (mosquitto, else embedded amqtt) and simulated devices.
run: setup
	CONCIERGE_DEMO_DEVICES=1 $(BIN)/concierge --demo

screenshot: setup
	QT_QPA_PLATFORM=offscreen $(BIN)/concierge --demo --screenshot docs/screenshot-board.png

# Every fixed screen, light and dark, English and German, into docs/ui/ (see docs/ui.md).
screenshots: setup
	$(BIN)/python scripts/screenshots.py
	$(BIN)/python scripts/screenshots_dialogs.py

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

# bundle-test adds ~1 min (build ~50 s, smoke ~5 s; measured on the 2-core CI machine).
test: setup system-deps lint typecheck contracts core-only pytest bundle-test

bench: setup
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .venv-oldest .venv-bundle build dist .mypy_cache .ruff_cache
