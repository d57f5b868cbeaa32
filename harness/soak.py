"""Soak: seeded random API traffic from many clients against two app servers on one database, then
the invariants of harness.checks. `make soak` runs it for 60 s with 32 clients on PostgreSQL.

    python -m harness.soak [--duration 60] [--clients 32] [--seed 1] [--sqlite]

PostgreSQL: a throwaway database `tutordesk_soak` on $PG_URL's server (default the local one),
dropped afterwards. SQLite: a temporary file. All traffic goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from harness.checks import Outages, Report, check
from harness.servers import AppServer, production_env, start_app_servers, stop_app_server
from harness.traffic import Record, run_traffic
from harness.world import World, prepare_world


@dataclass
class SoakResult:
    world: World
    record: Record
    report: Report
    seconds: float
    since: datetime


def soak(
    database_url: str,
    *,
    duration: float,
    clients: int,
    seed: int,
    servers: int = 2,
    workers: int = 2,
    threads: int = 8,
    migrate: bool = True,
    world: World | None = None,
) -> SoakResult:
    """Seed (unless given a world), serve, send traffic, stop, check."""
    world = world or prepare_world(database_url, migrate=migrate, seed=seed)
    since = datetime.now(UTC)
    apps = start_app_servers(
        servers,
        workers=workers,
        threads=threads,
        database=database_url,
        env=production_env(),
        ready_path="/healthz",
    )
    started = time.monotonic()
    try:
        record = run_traffic(world, [a.port for a in apps], clients=clients, duration=duration, seed=seed)
    finally:
        logs = _stop_all(apps)
    report = check(world, record, since=since, outages=Outages(), server_logs=logs)
    return SoakResult(
        world=world, record=record, report=report, seconds=time.monotonic() - started, since=since
    )


def _stop_all(apps: list[AppServer]) -> str:
    logs = []
    for app in apps:
        stop_app_server(app, close_log=False)
        logs.append(app.log_text())
        app.log.close()
    return "\n".join(logs)


@contextlib.contextmanager
def throwaway_database(*, sqlite: bool, name: str) -> Iterator[str]:
    """A fresh empty database URL for one run, removed afterwards."""
    if sqlite:
        with tempfile.TemporaryDirectory(prefix="tutordesk-") as folder:
            yield f"sqlite:///{Path(folder) / 'soak.sqlite3'}"
        return
    import psycopg

    server = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunparse(urlparse(server)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def print_report(title: str, report: Report, seconds: float) -> None:
    print(f"== {title} ({seconds:.0f} s) ==")
    for line in report.lines():
        print(f"  {line}")
    for problem in report.problems[:50]:
        print(f"  PROBLEM: {problem}")
    print("  RESULT: " + ("all invariants hold" if report.ok else f"{len(report.problems)} problem(s)"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    args = parser.parse_args(argv)
    with throwaway_database(sqlite=args.sqlite, name="tutordesk_soak") as url:
        result = soak(url, duration=args.duration, clients=args.clients, seed=args.seed)
    database = "SQLite" if args.sqlite else "PostgreSQL"
    print_report(
        f"soak: {args.clients} clients for {args.duration:.0f} s on {database}", result.report, result.seconds
    )
    return 0 if result.report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
