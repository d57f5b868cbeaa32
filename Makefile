# Tutordesk: `make run` serves the demo on SQLite, `make test` runs every test on SQLite and PostgreSQL.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres
PYTEST_ARGS ?=
# Local development: DEBUG on and a throwaway secret key unless you set your own.
export TUTORDESK_DEBUG ?= 1

.PHONY: install run test test-sqlite test-postgres lint format css bench soak crash clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	DATABASE_URL= $(BIN)/python manage.py migrate --verbosity 0
	DATABASE_URL= $(BIN)/python manage.py seed_demo --if-empty
	@echo "Tutordesk on http://127.0.0.1:8000 (log in as admin@example.com, password tutordesk-demo)"
	@echo "The worker runs beside it (webhooks; emails are printed here). Ctrl-C stops both."
	DATABASE_URL= $(BIN)/python manage.py run_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	DATABASE_URL= $(BIN)/python manage.py runserver 127.0.0.1:8000

test: test-sqlite test-postgres

test-sqlite: $(STAMP)
	@echo "== Tests on SQLite =="
	DATABASE_URL= $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: $(STAMP)
	@if $(BIN)/python -c "import psycopg; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		echo "== Tests on PostgreSQL ($(PG_URL)) =="; \
		DATABASE_URL=$(PG_URL) $(BIN)/pytest $(PYTEST_ARGS) && \
		echo "== Times with far UTC offsets, parameters bound by the client (as behind PgBouncer) ==" && \
		DATABASE_URL=$(PG_URL) TUTORDESK_DB_PREPARED_STATEMENTS=0 $(BIN)/pytest -q tests/api/test_far_utc_offsets.py; \
	elif [ -n "$$TUTORDESK_REQUIRE_POSTGRES" ]; then \
		echo "== PostgreSQL is not reachable at $(PG_URL) and TUTORDESK_REQUIRE_POSTGRES is set: failing =="; exit 1; \
	else \
		echo "== SKIPPED the PostgreSQL run: nothing answers at $(PG_URL) (set PG_URL to point elsewhere) =="; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy tutordesk harness

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

css:
	npm ci --no-audit --no-fund
	npx @tailwindcss/cli -i tutordesk/web/static/web/input.css -o tutordesk/web/static/web/app.css --minify

bench: $(STAMP)
	$(BIN)/python -m bench

# 60 s of seeded random API traffic from 32 clients on PostgreSQL, then the invariants (harness/).
soak: $(STAMP)
	PG_URL=$(PG_URL) $(BIN)/python -m harness.soak --duration 60 --clients 32

# Five crash rounds under load against a private PostgreSQL cluster made with initdb (harness/).
crash: $(STAMP)
	$(BIN)/python -m harness.crash --rounds 5 --clients 16

clean:
	rm -rf $(VENV) var/*.sqlite3* .pytest_cache .mypy_cache .ruff_cache
