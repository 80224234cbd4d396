# Shipyard's one task runner. `make help` lists the targets.
# Every target installs what it needs first, so each works on a fresh machine.

SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := $(PYTHON) -m uv
RUN := $(UV) run --frozen --no-sync
PYTEST_ARGS ?=

.PHONY: help setup demo test unit integration browser check lint typecheck contracts fmt bench platform-up platform-down clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# uv comes from PyPI like everything else; `python3 -m uv` needs no PATH changes.
# --compile-bytecode: the libraries' .pyc are written at install time, so that every
# `shipyard` start reads them instead of compiling (which doubled the start-up, and is all
# there is where PYTHONDONTWRITEBYTECODE is set).
.venv/.synced: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet 'uv==$(UV_VERSION)'
	$(UV) sync --frozen --quiet --compile-bytecode
	@touch $@

setup: .venv/.synced ## Install Shipyard and its development tools into .venv (from PyPI, locked)

demo: setup ## The main job: run Shipyard's flow on the example monorepo
	$(RUN) shipyard demo

test: check platform-up ## Everything CI runs: lint, types, layer contracts, unit and integration tests
	$(RUN) pytest $(PYTEST_ARGS)

unit: setup ## The unit tests alone (seconds, no platform needed)
	$(RUN) pytest -m "not integration and not platform and not e2e" $(PYTEST_ARGS)

browser: setup ## The web UI in headless chromium (/usr/bin/chromium: `shipyard platform up` installs it)
	$(RUN) pytest tests/browser $(PYTEST_ARGS)

check: lint typecheck contracts ## Static checks

lint: setup ## ruff lint and format check
	$(RUN) ruff check src tests bench
	$(RUN) ruff format --check src tests bench

typecheck: setup ## mypy --strict on the package
	$(RUN) mypy

contracts: setup ## import-linter: the layers of the architecture
	$(RUN) lint-imports

fmt: setup ## Format and fix what ruff can
	$(RUN) ruff format src tests bench
	$(RUN) ruff check --fix src tests bench

bench: setup ## Benchmarks; they print their figures
	$(RUN) python bench/run_all.py

platform-up: setup ## Install (first time: ~20 min on 2 cores) and start the local registry and clusters
	$(RUN) shipyard platform up

platform-down: setup ## Stop every process of the local platform (data kept; see docs/platform.md)
	$(RUN) shipyard platform down

clean: ## Remove local build outputs (keeps platform data)
	rm -rf .venv .mypy_cache .ruff_cache .pytest_cache .import_linter_cache
