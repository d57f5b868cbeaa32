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

# The server runs in the foreground, so Ctrl-C reaches it (and its autoreloader) directly; the
# worker and `welcome` run beside it and stop with it. `welcome` waits for the server and for the
# worker's first emails, then prints the address and the logins, last.
run: $(STAMP)
	@$(BIN)/python -c "import socket; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', 8000))" 2>/dev/null \
		|| { echo "Port 8000 on 127.0.0.1 is taken: is another 'make run' still running? Stop it first."; exit 1; }
	DATABASE_URL= $(BIN)/python manage.py migrate --verbosity 0
	DATABASE_URL= $(BIN)/python manage.py seed_demo --if-empty
	@echo "Starting the server and the worker (it sends webhooks and prints the emails it would send here)."
	DATABASE_URL= $(BIN)/python manage.py run_worker & worker=$$!; \
	DATABASE_URL= $(BIN)/python manage.py welcome --address 127.0.0.1:8000 & welcome=$$!; \
	trap 'kill $$worker $$welcome 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
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
