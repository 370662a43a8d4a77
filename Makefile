# Doorstep: two commands for a newcomer (`make run`, `make test`); the rest are helpers.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := server:create_app
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export TEST_DATABASE_URL

.PHONY: run reset test venv lint serve bench clean

$(STAMP): setup.cfg requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/flask db upgrade
	$(BIN)/flask rules seed
	$(BIN)/flask demo seed --if-empty
	$(BIN)/flask dev --host $(HOST) --port $(PORT)

# Erase the demo database and seed a new demo for today (keeps the virtualenv).
reset: $(STAMP)
	$(BIN)/flask demo reset --yes

# The WatermelonDB conformance test's node_modules, reinstalled when package-lock.json changes.
WATERMELON := tests/e2e/watermelon
WATERMELON_STAMP := $(WATERMELON)/node_modules/.npm-ci.stamp

$(WATERMELON_STAMP): $(WATERMELON)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix $(WATERMELON) && touch $@; \
	else echo "npm not found: the WatermelonDB conformance test will be skipped (fails in CI)"; fi

# The local-day tests run a second time at 17:30 UTC, when the operation (Shanghai) is already
# on the next date: a test that mixes the machine's date with the operation's fails there.
SHIFTED_CLOCK ?= 17:30

test: $(STAMP) $(WATERMELON_STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	$(BIN)/python -m pytest -q -m local_day --clock=$(SHIFTED_CLOCK)

lint: $(STAMP)
	$(BIN)/ruff check .

# Production serving (docs/operations.md): run `flask db upgrade` first; SIGTERM stops it gracefully.
serve: $(STAMP)
	$(BIN)/gunicorn --config server/gunicorn_conf.py 'server:create_app()'

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance/*.sqlite3 .pytest_cache
