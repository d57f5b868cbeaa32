"""Benchmark of `seed_demo` at scale (not a test): wall time and peak memory of the command.

Run: `python -m bench.seed` (or `make bench`). It creates a throwaway PostgreSQL database
(`tutordesk_bench_demo`, on the server of PG_URL, default postgres://postgres@127.0.0.1:5432/postgres),
seeds 100,000 and then 1,000,000 sessions into it, each as its own `manage.py seed_demo` process
measured from the outside (wall time, and its peak resident memory from the kernel's rusage), checks
the row count, and drops the database. Then the same two sizes, each on a throwaway SQLite file.

Options: `--skip-million` (100,000 only), `--skip-sqlite` (`make bench` skips SQLite).
Targets (docs/demo-data.md): 1,000,000 sessions on PostgreSQL in 60 s or less, with 1 GB of memory or less.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parents[1]
BENCH_DB = "tutordesk_bench_demo"
# (tutors, students, sessions per match): 40 students and 320 sessions per tutor at most,
# inside the 336 free hours a tutor has in the four weeks.
SIZES = {100_000: (320, 12_500, 8), 1_000_000: (3_200, 125_000, 8)}


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_rss_mb: float


def command_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        # Production settings: no query log, real password hashing.
        TUTORDESK_DEBUG="0",
        TUTORDESK_SECRET_KEY="bench-only-not-a-secret",
        DJANGO_SETTINGS_MODULE="tutordesk.settings",
    )
    return env


def manage(database_url: str, *args: str) -> Run:
    """One `manage.py` process; its wall time and its own peak RSS (os.wait4 reports the child's)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=command_env(database_url),
        stdout=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed with exit code {process.returncode}")
    return Run(seconds=seconds, peak_rss_mb=usage.ru_maxrss / 1024)  # kilobytes on Linux


def seed(database_url: str, sessions: int, *extra: str) -> Run:
    tutors, students, per_match = SIZES[sessions]
    return manage(
        database_url,
        "seed_demo",
        f"--tutors={tutors}",
        f"--students={students}",
        f"--sessions-per-match={per_match}",
        *extra,
    )


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def report(label: str, sessions: int, run: Run) -> None:
    rate = sessions / run.seconds
    print(
        f"seed_demo {sessions:>9,} sessions {label:<11} {run.seconds:6.1f} s  "
        f"{rate:9,.0f} sessions/s  peak RSS {run.peak_rss_mb:6.0f} MB",
        flush=True,
    )


def bench_postgres(pg_url: str, *, million: bool) -> None:
    url = with_database(pg_url, BENCH_DB)
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        admin.execute(f"CREATE DATABASE {BENCH_DB}")
    try:
        manage(url, "migrate", "--verbosity=0")
        small = seed(url, 100_000)
        report("PostgreSQL", 100_000, small)
        if million:
            # --reset: the 100,000 go first (TRUNCATE), in the same transaction as the new rows.
            big = seed(url, 1_000_000, "--reset")
            report("PostgreSQL", 1_000_000, big)
            with psycopg.connect(url) as conn:
                row = conn.execute("SELECT count(*) FROM sessions").fetchone()
                count = row[0] if row else 0
            print(
                f"  {count:,} sessions in the database; 1,000,000 took {big.seconds / small.seconds:.1f}x "
                f"the time of 100,000 (target: 60 s and 1024 MB; "
                f"{'met' if big.seconds <= 60 and big.peak_rss_mb <= 1024 else 'NOT met'})"
            )
    finally:
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def bench_sqlite(*, million: bool) -> None:
    for sessions in (100_000, 1_000_000) if million else (100_000,):
        with tempfile.TemporaryDirectory(prefix="tutordesk-bench-") as folder:
            url = f"sqlite:///{folder}/bench.sqlite3"
            manage(url, "migrate", "--verbosity=0")
            report("SQLite", sessions, seed(url, sessions))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-million", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    pg_url = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    try:
        psycopg.connect(pg_url, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL at {pg_url} does not answer ({exc}); skipping the PostgreSQL figures")
    else:
        bench_postgres(pg_url, million=not args.skip_million)
    if not args.skip_sqlite:
        bench_sqlite(million=not args.skip_million)


if __name__ == "__main__":
    main()
