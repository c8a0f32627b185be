# The two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
SOURCES := libs/daye-kit/src libs/daye-dev/src services/indicator-api/src services/matching-api/src services/funding-api/src
TESTS := libs/daye-kit/tests services/indicator-api/tests services/matching-api/tests services/funding-api/tests tests

.PHONY: help install run test lint typecheck pytest bench

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

install: ## uv (if missing) and every Python package of the workspace, from uv.lock
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --frozen --quiet

run: install ## the whole platform on SQLite with the demo data; Ctrl-C stops it
	@$(UV) run --frozen python -m daye_dev.run --root "$(CURDIR)"

test: install lint typecheck pytest ## every check and every test (SQLite and PostgreSQL)

lint: install ## ruff: formatting and lint rules
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen ruff check .

typecheck: install ## mypy (strict) on the services and the libraries
	$(UV) run --frozen mypy $(SOURCES)

pytest: install ## the tests; PostgreSQL from TEST_POSTGRES_URL (default 127.0.0.1:5432)
	$(UV) run --frozen pytest $(TESTS)

bench: install ## every benchmark in bench/ (PostgreSQL at TEST_POSTGRES_URL); each prints ratios against a baseline
	@for script in bench/*.py; do echo "== $$script"; $(UV) run --frozen python "$$script"; done
