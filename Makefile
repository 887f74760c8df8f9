# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app stationfinder
STAMP := $(VENV)/.installed
# The Node tools the tests use (Lighthouse), in ./node_modules, exactly as package-lock.json pins them.
NODE_STAMP := node_modules/.installed
TRANSLATIONS := stationfinder/translations
PO := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: install run test test-sqlite test-postgres bench lint format messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

# Every build, editable or not, compiles the catalogues (hatch_build.py); the stamp only follows
# pyproject.toml, so this recompiles them with the same code after a .po edit.
%.mo: %.po | $(STAMP)
	$(BIN)/python hatch_build.py

$(NODE_STAMP): package-lock.json
	npm ci --no-audit --no-fund
	touch $@

install: $(STAMP) $(MO) $(NODE_STAMP)

# The PDF posters embed fonts from Debian packages; say which are missing, and serve anyway.
# The web process also sends report notifications (OUTBOX_IN_PROCESS), so no worker is needed.
run: install
	-$(FLASK) stations poster-fonts
	$(FLASK) db upgrade
	$(FLASK) demo
	OUTBOX_IN_PROCESS=1 $(FLASK) run --host 127.0.0.1 --port $(PORT)

# The same suite runs on SQLite and on PostgreSQL.
test: install
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: install
	TEST_DATABASE_URL= $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install
	TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-extract UI strings after changing them, then translate the .po files.
messages: install
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel -q update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)

clean:
	rm -rf $(VENV) instance .pytest_cache node_modules
