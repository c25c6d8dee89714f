# Everyday commands. `make run` and `make test` do all set-up on a fresh machine (Python 3.11+).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: install run test lint format bench conformance messages browser-deps clean

$(VENV)/.installed: requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	touch $@

install: $(VENV)/.installed

# The embedded default: SQLite, Celery tasks run in-process, console e-mail, the demo network.
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py runserver $(HOST)

# What .ci/run calls. DATABASE_URL selects PostgreSQL; without it the suite runs on SQLite.
test: install browser-deps
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The browser tests drive Debian's Chromium (Playwright cannot download browsers here).
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "Chromium is missing: run 'sudo apt-get install chromium' for the browser tests" >&2; exit 1; fi; \
	fi

conformance: install
	$(BIN)/python -m measures.spc.conformance tests/spc/vectors/qicharts2 tests/spc/vectors/mdc tests/spc/vectors/funnel

bench: install
	$(BIN)/python bench/spc_bench.py
	$(BIN)/python bench/pipeline_bench.py
	$(BIN)/python bench/dashboard_bench.py
	$(BIN)/python bench/upload_bench.py
	$(BIN)/python bench/api_csv_bench.py
	$(BIN)/python bench/seminars_bench.py
	$(BIN)/python bench/demo_bench.py

messages: install
	$(BIN)/python manage.py makemessages -l en -l da --ignore=.venv --ignore=static --ignore=tests --ignore=bench --ignore=node_modules --ignore=test-artifacts
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles test-artifacts
