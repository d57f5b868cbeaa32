"""The status update over HTTP against the same write in bare Python and in SQL (not a test).

    python -m bench write_path [--seconds 10] [--sqlite] [--fresh] [--no-bare] [--servers sync:6x1,…]

In one run, on one PostgreSQL database (`tutordesk_bench_write`, a copy of a seeded template that is
kept between runs, see `seeded_template`; dropped afterwards):

1. pgbench runs the same write by hand — the token with the stored answer of a key, lock the session
   with its request, charge a package, update the session, insert its audit row, event and stored
   answer; one transaction, fsync on — at 1, 8 and 32 clients;
2. gunicorn serves Tutordesk with its production settings (gunicorn.conf.py, debug off, persistent
   connections), and beside it, under the same gunicorn settings and sizing, the bare reference
   (bench/bare_wsgi.py: one WSGI function and psycopg 3 doing the same write). wrk (a C load
   generator from Debian: `apt-get install -y wrk`; installed if missing) sends
   `POST /api/v1/sessions/{id}/status {"status": "done"}` with a fresh Idempotency-Key, each request
   to a different session that is waiting for its outcome (every request a real charge), at 1, 8
   and 32 connections, Tutordesk and bare back to back at each count;
3. one table: ok/s, p50 and p99 of each, pgbench's tps, and the ratio Tutordesk / bare; the SQL
   statements of one request; each run's CPU per request (app and PostgreSQL).

pgbench's phases and each server's run just after a CHECKPOINT, and the servers' after an ANALYZE
that follows their warm-up, for a PostgreSQL that runs without autovacuum (see `maintain`).

`--sqlite` measures Tutordesk on SQLite (no pgbench, no bare reference). Traffic goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from harness.servers import AppServer, production_env, start_app_server, stop_app_server
from harness.soak import throwaway_database
from harness.world import manage

ROOT = Path(__file__).resolve().parents[1]
CONNECTIONS = [1, 8, 32]
TUTORDESK_APP = "tutordesk.wsgi:application"
BARE_APP = "bench.bare_wsgi:application"
PG_SERVER = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
TEMPLATE_PREFIX = "tutordesk_bench_write_seed_"
# Sessions waiting for an outcome must outnumber the requests of all runs: each is marked done once.
SEED = ["--tutors", "800", "--students", "8000", "--sessions-per-match", "16", "--seed", "11"]

_PREPARE = """
import json
from django.db import transaction
from django.utils import timezone
from tutordesk.accounts.models import User
from tutordesk.accounts.services import api_token_create
from tutordesk.scheduling.models import Session
from tutordesk.tutoring.models import TutoringRequest
from tutordesk.tutoring.services import package_create
admin = User.objects.get(email="admin@example.com")
for request_id in TutoringRequest.objects.values_list("id", flat=True):
    with transaction.atomic():
        package_create(request_id=request_id, sessions_total=500, actor=admin)
tokens = {}
rows = Session.objects.filter(status="scheduled", scheduled_start_at__lt=timezone.now()).order_by("?")
with open(OUT, "w") as out:
    for session_id, tutor_id in rows.values_list("id", "tutor_id"):
        if tutor_id not in tokens:
            tokens[tutor_id] = api_token_create(email=User.objects.get(pk=tutor_id).email)[1]
        out.write(f"/api/v1/sessions/{session_id}/status {tokens[tutor_id]}\\n")
"""

_STATEMENTS = """
import uuid
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
path, token = open(OUT).read().split("\\n")[-2].split()
client = Client(HTTP_HOST="127.0.0.1")
headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
with CaptureQueriesContext(connection) as first:
    response = client.post(path, '{"status": "done"}', content_type="application/json", headers=headers)
assert response.status_code == 200, response.content
with CaptureQueriesContext(connection) as replay:
    client.post(path, '{"status": "done"}', content_type="application/json", headers=headers)
count = lambda q: len([x for x in q.captured_queries if x["sql"] not in ("BEGIN", "COMMIT")])
print(count(first), count(replay))
"""

_PGBENCH_SCRIPT = """\\set r random(1, {count})
SELECT session_id, package_id, tutor_id FROM bench_targets WHERE n = :r \\gset
SELECT u.id, k.status_code FROM users u LEFT JOIN idempotency_keys k ON k.user_id = u.id AND k.key = 'pgbench' WHERE u.id = ':tutor_id' AND u.is_active;
BEGIN;
SELECT s.id, r.id FROM sessions s JOIN requests r ON r.id = s.request_id WHERE s.id = ':session_id' FOR NO KEY UPDATE OF s, r;
UPDATE packages SET sessions_used = sessions_used, updated_at = now() WHERE id = ':package_id' AND sessions_used < sessions_total RETURNING *;
UPDATE sessions SET tutor_notes = 'pgbench', updated_at = now(), updated_by_user_id = NULL WHERE id = ':session_id' AND status = 'scheduled' RETURNING *;
WITH a AS (INSERT INTO audit_logs (id, created_at, actor_user_id, action, entity_type, entity_id, details) VALUES (gen_random_uuid(), now(), NULL, 'session_status_updated', 'session', ':session_id', '{{}}')), e AS (INSERT INTO events (id, type, created_at, data) VALUES (gen_random_uuid(), 'session.status_updated', now(), '{{}}')) INSERT INTO idempotency_keys (user_id, key, fingerprint, status_code, response_body, created_at) VALUES (':tutor_id', gen_random_uuid()::text, 'pgbench', 200, '{{}}', now());
COMMIT;
"""

_WRK_SCRIPT = """
local calls = {}
for line in io.lines(os.getenv("WRK_CALLS")) do
  local path, token = line:match("(%S+) (%S+)")
  calls[#calls + 1] = {path = path, token = token}
end
local offset = tonumber(os.getenv("WRK_OFFSET"))
local counter = 1
local threads = {}
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
seq = 0 -- global: done() reads it with thread:get
local statuses = {}
function request()
  seq = seq + 1
  local threads = tonumber(os.getenv("WRK_THREADS"))
  local item = calls[(offset + (seq - 1) * threads + id - 1) % #calls + 1]
  return wrk.format("POST", item.path, {
    ["Authorization"] = "Bearer " .. item.token,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "bench-" .. offset .. "-" .. id .. "-" .. seq,
  }, '{"status": "done"}')
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status ~= 200 then
    bad = bad_bodies or 0
    if bad < 3 then
      io.write("NON2XX " .. status .. " " .. body:sub(1, 200) .. "\\n")
      bad_bodies = bad + 1
    end
  end
end
function done(summary, latency, requests)
  io.write(string.format("RESULT %d %f %f %f\\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
  io.write(string.format("ERRORS %d %d\\n", summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
  -- The furthest call any thread reached: the next run starts after it.
  local furthest = offset
  local count = tonumber(os.getenv("WRK_THREADS"))
  for _, thread in ipairs(threads) do
    local reached = offset + (thread:get("seq") - 1) * count + thread:get("id") - 1
    if reached > furthest then furthest = reached end
  end
  io.write(string.format("FURTHEST %d\\n", furthest))
end
"""


def parse_size(spec: str) -> tuple[str, int, int]:
    """`sync:8x1` → ("sync", 8, 1); `3x4` → ("", 3, 4), the worker class gunicorn.conf.py picks."""
    worker_class, _, size = spec.rpartition(":")
    workers, threads = (int(n) for n in size.split("x"))
    return worker_class, workers, threads


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, capture_output=True)
    found = shutil.which("wrk")
    if not found:
        subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
        found = shutil.which("wrk")
    assert found
    return found


def prepare(url: str, calls_file: Path, seed: list[str] = SEED) -> int:
    """Migrate and seed; write one `path token` line per session waiting for its outcome (a
    fresh 500-session package on every request, so no charge runs out). Returns the count."""
    manage(url, "migrate", "--verbosity", "0")
    manage(url, "seed_demo", *seed)
    manage(url, "shell", "-c", f"OUT = {str(calls_file)!r}\n{_PREPARE}", timeout=1800)
    return sum(1 for _ in calls_file.open())


def seeded_template(*, fresh: bool = False) -> tuple[str, Path]:
    """A PostgreSQL database migrated, seeded and prepared once, kept as a template between runs
    (seeding takes minutes), and the calls file made with it. Its name carries a hash of the
    migrations and the seed, so a change of either seeds a new one (and drops the old)."""
    import psycopg

    digest = hashlib.sha256(repr((SEED, _PREPARE)).encode())
    for migration in sorted(ROOT.glob("tutordesk/*/migrations/*.py")):
        digest.update(migration.name.encode() + migration.read_bytes())
    name = TEMPLATE_PREFIX + digest.hexdigest()[:12]
    calls_file = ROOT / "var" / "bench" / f"{name}.calls"
    with psycopg.connect(PG_SERVER, autocommit=True) as admin:
        kept = [
            row[0]
            for row in admin.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", [TEMPLATE_PREFIX + "%"]
            )
        ]
        for old in kept:
            if old != name or fresh or not calls_file.exists():
                admin.execute(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
        if name in kept and not fresh and calls_file.exists():
            print(f"reusing the seeded template {name}")
            return name, calls_file
        admin.execute(f'CREATE DATABASE "{name}"')
    print(f"seeding the template {name} (minutes; kept for later runs, `--fresh` seeds again)", flush=True)
    calls_file.parent.mkdir(parents=True, exist_ok=True)
    url = _database_url(name)
    try:
        prepare(url, calls_file)
        maintain(url, "VACUUM ANALYZE")
    except BaseException:
        with psycopg.connect(PG_SERVER, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        calls_file.unlink(missing_ok=True)
        raise
    return name, calls_file


@contextlib.contextmanager
def copy_of(template: str, *, name: str) -> Iterator[str]:
    """A copy of the template database (a file copy: seconds), dropped afterwards."""
    import psycopg

    with psycopg.connect(PG_SERVER, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield _database_url(name)
    finally:
        with psycopg.connect(PG_SERVER, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _database_url(name: str) -> str:
    from urllib.parse import urlparse, urlunparse

    return urlunparse(urlparse(PG_SERVER)._replace(path=f"/{name}"))


def pgbench(url: str, calls_file: Path, clients: int, seconds: int, folder: Path) -> float:
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        db.execute("DROP TABLE IF EXISTS bench_targets")
        db.execute(
            "CREATE TABLE bench_targets AS SELECT row_number() OVER () AS n, s.id AS session_id, s.tutor_id, "
            "(SELECT p.id FROM packages p WHERE p.request_id = s.request_id ORDER BY p.created_at DESC LIMIT 1) AS package_id "
            "FROM sessions s WHERE s.status = 'scheduled'"
        )
        db.execute("CREATE UNIQUE INDEX ON bench_targets (n)")
        db.execute("ANALYZE bench_targets")
        count = db.execute("SELECT count(*) FROM bench_targets").fetchone()[0]  # type: ignore[index]
    script = folder / "write.sql"
    script.write_text(_PGBENCH_SCRIPT.format(count=count))
    done = subprocess.run(
        [
            shutil.which("pgbench") or "pgbench",
            "-n",
            "-c",
            str(clients),
            "-j",
            str(min(clients, 2)),
            "-T",
            str(seconds),
            "-f",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    match = re.search(r"tps = ([\d.]+)", done.stdout)
    assert match, done.stdout + done.stderr
    return float(match.group(1))


def maintain(url: str, statement: str) -> None:
    """Run one of PostgreSQL's maintenance statements (outside a transaction), as autovacuum and
    the checkpointer would at some moment of their own choosing. The benchmark chooses the moment:

    - `VACUUM ANALYZE` after pgbench, whose writes leave dead row versions behind.
    - `ANALYZE` after each server's warm-up. Tutordesk's connections prepare their statements and
      PostgreSQL keeps one plan for each. A table that was empty when that plan was made (the
      stored answers of Idempotency-Keys, on a new database) looks cheapest to read whole, and
      without new statistics the plan is never made again: every request reads the whole table,
      and the table grows (measured: PostgreSQL's CPU per keyed `done` rose from 1.5 to 2.6 ms
      over 45 s). ANALYZE updates the statistics, and PostgreSQL then plans again.
    - `CHECKPOINT` before pgbench's phases and before each server's: the next timed checkpoint is
      then minutes away, and cannot land inside one phase only (a phase that holds one pays for
      writing the dirty pages). The first phase after it pays most for the full-page images a
      checkpoint brings (the first change of each page after it writes the whole page to the WAL),
      as a server does in the first minutes after each checkpoint.
    """
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        db.execute(statement)


def cpu_by_process(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds used so far by each of these processes that is still running."""
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return found


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two readings by the processes present at both (a PostgreSQL
    backend of another client that ended in between would make the sum fall)."""
    return sum(after[pid] - before[pid] for pid in before.keys() & after.keys())


def postgres_pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _comm(p) == "postgres"]


def _comm(proc: Path) -> str:
    try:
        return (proc / "comm").read_text().strip()
    except OSError:
        return ""


def wrk(
    port: int, calls_file: Path, connections: int, seconds: int, offset: int, folder: Path
) -> dict[str, float]:
    script = folder / "done.lua"
    script.write_text(_WRK_SCRIPT)
    threads = min(connections, 2)
    env = {**os.environ, "WRK_CALLS": str(calls_file), "WRK_OFFSET": str(offset), "WRK_THREADS": str(threads)}
    done = subprocess.run(
        [
            ensure_wrk(),
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}/",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    result = re.search(r"RESULT (\d+) ([\d.]+) ([\d.]+) ([\d.]+)", done.stdout)
    errors = re.search(r"ERRORS (\d+) (\d+)", done.stdout)
    furthest = re.search(r"FURTHEST (\d+)", done.stdout)
    assert result and errors and furthest, done.stdout + done.stderr
    for line in [x for x in done.stdout.splitlines() if x.startswith("NON2XX")][:3]:
        print(f"    {line}")
    requests, duration, p50, p99 = (float(x) for x in result.groups())
    non_2xx = float(errors.group(1))
    return {
        # Only real charges count: a refusal (a session marked already, once the calls run out)
        # costs far less than a charge, and would flatter whichever side met more of them.
        "rate": (requests - non_2xx) / duration,
        "p50": p50,
        "p99": p99,
        "requests": requests,
        "non_2xx": non_2xx,
        "furthest": float(furthest.group(1)),
        "socket_errors": float(errors.group(2)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--no-pgbench", action="store_true", help="only the HTTP side")
    parser.add_argument("--no-bare", action="store_true", help="Tutordesk only, without the bare reference")
    parser.add_argument(
        "--before",
        type=Path,
        help="a checkout of an earlier version (e.g. `git worktree add /tmp/before <commit>`): its "
        "Tutordesk is served too, under the same settings, and measured in the same run",
    )
    parser.add_argument(
        "--fresh", action="store_true", help="seed the PostgreSQL template again even if one is kept"
    )
    parser.add_argument(
        "--servers",
        default="",
        help="gunicorn sizes to compare, each [worker class:]workers x threads, e.g. "
        "sync:8x1,gthread:3x4,sync:8x1 (a size may repeat, to see the machine's drift); "
        "default: gunicorn.conf.py's",
    )
    parser.add_argument(
        "--connections", default="1,8,32", help="wrk connection counts to run for each server size"
    )
    args = parser.parse_args(argv)
    sizes = [parse_size(size) for size in args.servers.split(",") if size] or [("", 0, 0)]
    connection_counts = [int(n) for n in args.connections.split(",")]
    database = "SQLite" if args.sqlite else "PostgreSQL"
    apps = [("Tutordesk", TUTORDESK_APP, ROOT)]
    apps += [("before", TUTORDESK_APP, args.before.resolve())] if args.before else []
    apps += [] if args.sqlite or args.no_bare else [("bare", BARE_APP, ROOT)]
    with tempfile.TemporaryDirectory(prefix="tutordesk-bench-") as tmp:
        folder = Path(tmp)
        if args.sqlite:
            calls_file = folder / "calls.txt"
            database_cm = throwaway_database(sqlite=True, name="tutordesk_bench_write")
        else:
            template, calls_file = seeded_template(fresh=args.fresh)
            database_cm = copy_of(template, name="tutordesk_bench_write")
        with database_cm as url:
            available = prepare(url, calls_file) if args.sqlite else sum(1 for _ in calls_file.open())
            print(f"== write path on {database}: {available} sessions waiting for an outcome ==")
            counted = manage(url, "shell", "-c", f"OUT = {str(calls_file)!r}\n{_STATEMENTS}")
            statements, replay = counted.strip().splitlines()[-1].split()
            print(f"SQL statements besides BEGIN/COMMIT: keyed `done` {statements}, its replay {replay}")
            pg: dict[int, float] = {}
            if not args.sqlite and not args.no_pgbench:
                maintain(url, "CHECKPOINT")
                for clients in CONNECTIONS:
                    pg[clients] = pgbench(url, calls_file, clients, args.seconds, folder)
                    print(f"pgbench, the same write by hand, {clients:>2} clients: {pg[clients]:8.0f} tps")
                maintain(url, "VACUUM ANALYZE")
            offset = 0
            for worker_class, workers, threads in sizes:
                label = f"{worker_class or 'default'} workers, {workers} x {threads} threads"
                print(f"gunicorn: {label if workers else 'as gunicorn.conf.py sizes it'}")
                env = {
                    **production_env(),
                    **({"TUTORDESK_WORKER_CLASS": worker_class} if worker_class else {}),
                }
                servers = {}
                try:
                    for name, app, root in apps:
                        servers[name] = start_app_server(
                            workers=workers or None,
                            threads=threads or None,
                            env=env,
                            database=url,
                            ready_path="/healthz",
                            ready_within=180,  # six workers starting on a busy machine
                            app=app,
                            root=root,
                        )
                    for server in servers.values():
                        # warm up: connections, prepared statements
                        offset = int(wrk(server.port, calls_file, 8, 2, offset, folder)["furthest"]) + 1
                    if not args.sqlite:
                        # The warm-up stored the first answers under Idempotency-Keys: statistics
                        # that see them, so the plans the connections keep use the indexes.
                        maintain(url, "ANALYZE")
                    results: dict[tuple[str, int], dict[str, float]] = {}
                    for connections in connection_counts:
                        for name, server in servers.items():
                            if not args.sqlite:
                                maintain(url, "CHECKPOINT")
                            results[name, connections] = result = measure(
                                server, calls_file, connections, args.seconds, offset, folder
                            )
                            # Each wrk thread walks its own stride of the calls, and one may run ahead
                            # of the other: the next run starts past the furthest call either reached.
                            offset = int(result["furthest"]) + 1
                            print(
                                f"{name:>9}, {connections:>2} connections: {result['rate']:8.0f} ok/s  "
                                f"p50 {result['p50']:6.1f} ms  p99 {result['p99']:6.1f} ms  "
                                f"CPU per request: app {result['app_cpu']:.2f} ms, "
                                f"PostgreSQL {result['db_cpu']:.2f} ms  "
                                f"(non-2xx {result['non_2xx']:.0f}, socket errors {result['socket_errors']:.0f})",
                                flush=True,
                            )
                    print_table(results, connection_counts, pg, [name for name, _, _ in apps])
                finally:
                    for server in servers.values():
                        stop_app_server(server)
            if offset > available:
                print(f"WARNING: {offset} requests for {available} sessions: some hit a session already done")
    return 0


def measure(
    server: AppServer, calls_file: Path, connections: int, seconds: int, offset: int, folder: Path
) -> dict[str, float]:
    """One wrk run, with the CPU the app's processes and PostgreSQL's spent per request."""
    app_pids, db_pids = [server.process.pid, *server.worker_pids()], postgres_pids()
    cpu_before = (cpu_by_process(app_pids), cpu_by_process(db_pids))
    result = wrk(server.port, calls_file, connections, seconds, offset, folder)
    requests = max(result["requests"], 1)
    result["app_cpu"] = cpu_spent(cpu_before[0], cpu_by_process(app_pids)) / requests * 1000
    # Every PostgreSQL process on the machine: on a shared machine, others' backends count too.
    result["db_cpu"] = cpu_spent(cpu_before[1], cpu_by_process(db_pids)) / requests * 1000
    return result


def print_table(
    results: dict[tuple[str, int], dict[str, float]],
    connection_counts: list[int],
    pg: dict[int, float],
    names: list[str],
) -> None:
    """One Markdown table: each app's ok/s, p50 and p99 per connection count, pgbench, and the ratio."""
    head = ["connections"] + [f"{name} {what}" for name in names for what in ("ok/s", "p50 ms", "p99 ms")]
    head += ["pgbench tps"] if pg else []
    head += ["Tutordesk / bare"] if "bare" in names else []
    head += ["before / bare"] if "bare" in names and "before" in names else []
    print("\n| " + " | ".join(head) + " |")
    print("|" + " --- |" * len(head))
    for connections in connection_counts:
        row = [str(connections)]
        for name in names:
            result = results[name, connections]
            # `*`: some answers were not 200, so the latencies mix refusals with charges.
            flag = "*" if result["non_2xx"] else ""
            row += [f"{result['rate']:,.0f}{flag}", f"{result['p50']:.1f}", f"{result['p99']:.1f}"]
        if pg:
            row.append(f"{pg[connections]:,.0f}" if connections in pg else "")
        for name in ("Tutordesk", "before") if "bare" in names else ():
            if name in names:
                row.append(f"{results[name, connections]['rate'] / results['bare', connections]['rate']:.2f}")
        print("| " + " | ".join(row) + " |")
    if any(result["non_2xx"] for result in results.values()):
        print("\n* some answers were not 200 (see the run's line): ok/s counts the 200s only, and its")
        print("  latencies mix refusals with charges. Seed more sessions or run fewer sizes.")
    print(flush=True)


if __name__ == "__main__":
    sys.exit(main())
