# Everyday commands. `make run` and `make test` do all set-up on a fresh machine (Python 3.11+ with
# venv, make; `make test` as root installs Chromium and redis-server with apt).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: install run test lint format lock bench bench-scale conformance messages test-deps browser-deps clean libreoffice-check

# The development environment: runtime and test tools, pinned with hashes (the image installs
# requirements/runtime.lock only).
$(VENV)/.installed: requirements/dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.lock
	touch $@

install: $(VENV)/.installed

# Re-pin both lock files from pyproject.toml after changing a dependency there. Versions already
# pinned stay (uv prefers the output file's pins); the runtime lock is constrained to the dev lock's
# versions, so both agree. Python 3.11: the image's version and the oldest supported.
lock: install
	$(BIN)/uv pip compile --quiet pyproject.toml --extra dev --python-version 3.11 --generate-hashes \
	  -o requirements/dev.lock
	$(BIN)/uv pip compile --quiet pyproject.toml -c requirements/dev.lock --python-version 3.11 \
	  --generate-hashes -o requirements/runtime.lock

# The embedded default: SQLite, Celery tasks run in-process, console e-mail, the demo network.
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py runserver $(HOST)

# What .ci/run calls. DATABASE_URL selects PostgreSQL; without it the suite runs on SQLite.
# Without REDIS_TEST_URL the tests start a throwaway redis-server of their own.
test: install test-deps
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# What the tests need from the system: Debian's Chromium for the browser tests (Playwright cannot
# download browsers here) and redis-server (the tests start a throwaway one unless REDIS_TEST_URL
# names a running Redis) and poppler-utils (pdftoppm draws the report PDFs' pages as images).
# Installed with apt when run as root; otherwise the missing ones are named.
test-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "Missing for the tests:$$missing (run: sudo apt-get install$$missing)" >&2; exit 1; fi; \
	fi

browser-deps: test-deps

# The slides opened and converted by LibreOffice Impress headless (needs soffice; not in `make test`).
libreoffice-check: install
	$(BIN)/python -m pytest tests/reports/libreoffice_check.py -q

conformance: install
	$(BIN)/python -m measures.spc.conformance tests/spc/vectors/qicharts2 tests/spc/vectors/mdc tests/spc/vectors/funnel

bench: install
	$(BIN)/python bench/spc_bench.py
	$(BIN)/python bench/pipeline_bench.py
	$(BIN)/python bench/dashboard_bench.py
	$(BIN)/python bench/upload_bench.py
	$(BIN)/python bench/upload_limits_bench.py
	$(BIN)/python bench/api_csv_bench.py
	$(BIN)/python bench/seminars_bench.py
	$(BIN)/python bench/statistics_bench.py
	$(BIN)/python bench/demo_bench.py
	$(BIN)/python bench/report_bench.py
	$(BIN)/python bench/concurrency_bench.py

# National scale (200 teams x 10 indicators x 36 months), ratios to floors measured in the same run, then
# how cost grows with 10, 50, 200 teams. Long (minutes): not CI. Set DATABASE_URL for PostgreSQL.
bench-scale: install
	$(BIN)/python bench/scale_bench.py --teams 200
	$(BIN)/python bench/scale_bench.py --growth

messages: install
	$(BIN)/python manage.py makemessages -l en -l da --ignore=.venv --ignore=static --ignore=tests --ignore=bench --ignore=node_modules --ignore=test-artifacts
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles test-artifacts
