# The two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
SOURCES := libs/daye-kit/src libs/daye-dev/src libs/daye-demo/src services/indicator-api/src services/matching-api/src services/funding-api/src
TESTS := libs/daye-kit/tests services/indicator-api/tests services/matching-api/tests services/funding-api/tests tests
FRONTEND_DEPS := frontend/node_modules/.package-lock.json

.PHONY: help install install-browser run test lint typecheck frontend-test openapi pytest fuzz soak bench install-bench

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

install: $(FRONTEND_DEPS) ## uv (if missing), the workspace's Python packages from uv.lock, the front end's from package-lock.json
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --frozen --quiet

$(FRONTEND_DEPS): frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error

install-browser: ## Debian's Chromium (and CJK fonts for legible screenshots) for the browser tests
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk; }

run: install ## the whole platform on SQLite with the demo data, and the front end; Ctrl-C stops it
	@$(UV) run --frozen python -m daye_dev.run --root "$(CURDIR)"

test: install install-browser lint typecheck frontend-test pytest ## every check and every test (SQLite and PostgreSQL, a real browser)
	@echo "browser screenshots: $(CURDIR)/frontend/test-artifacts/screenshots"

lint: install ## ruff: formatting and lint rules
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen ruff check .

typecheck: install ## mypy (strict) on the services and the libraries
	$(UV) run --frozen mypy $(SOURCES)

frontend-test: install ## the front end: type check and production build, then its unit tests
	cd frontend && npm run --silent build && npm test

openapi: install ## save the services' OpenAPI documents under frontend/openapi/ and regenerate the typed clients
	$(UV) run --frozen python -m daye_dev.openapi_specs frontend/openapi
	cd frontend && npm run --silent gen:api -- --offline

# Two pytest-xdist workers: the tests wait on PostgreSQL, service processes and the browser as much
# as on the CPU, so two halve the time even on two cores; each worker migrates its own templates.
PYTEST_WORKERS ?= 2
pytest: install ## the Python tests, the end-to-end and browser tests; PostgreSQL from TEST_POSTGRES_URL
	$(UV) run --frozen pytest -n $(PYTEST_WORKERS) --dist worksteal $(TESTS)

# make test fuzzes each operation once per generation mode and principal, on SQLite, with the same
# derandomized inputs every run; this draws fresh ones, 20 per operation, mode and principal (240 an
# operation), and 200 linked scenarios, on SQLite and PostgreSQL.
fuzz: install ## longer fuzzing of every API
	FUZZ_MAX_EXAMPLES=20 FUZZ_RANDOM=1 FUZZ_BACKENDS=sqlite,postgresql $(UV) run --frozen pytest tests/hardening/test_fuzz.py -n auto

# Five replicas of matching-api on one PostgreSQL, every duty each minute, SIGKILLed and restarted at
# random: no occurrence runs twice, none is missed beyond its grace. SOAK_SECONDS sets the length
# (`make soak SOAK_SECONDS=90`); the figures go to var/soak/duties.json.
SOAK_SECONDS ?= 600
soak: install ## the duties' soak: five replicas killed at random for ten minutes (PostgreSQL at TEST_POSTGRES_URL)
	SOAK_SECONDS=$(SOAK_SECONDS) $(UV) run --frozen pytest tests/soak -m soak -s

install-bench: ## wrk (Debian package), the load generator of bench/load_services.py
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }

bench: install install-bench ## every benchmark in bench/ (PostgreSQL at TEST_POSTGRES_URL); all their ratios in docs/benchmarks.md
	@$(UV) run --frozen python bench/results.py
