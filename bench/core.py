"""Benchmarks of the core (not tests): status-update throughput and ledger checks at scale.

Run: `make bench` (SQLite) or `DATABASE_URL=postgres://... make bench`. It builds a throwaway
database named like the test database (`bench` suffix), prints figures and ratios, and drops it.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutordesk.settings")
os.environ.setdefault("TUTORDESK_DEBUG", "1")
os.environ["TUTORDESK_TEST_DB_SUFFIX"] = "_bench"

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from tutordesk.accounts.models import User  # noqa: E402
from tutordesk.scheduling.models import Session  # noqa: E402
from tutordesk.scheduling.selectors import ledger_problems  # noqa: E402
from tutordesk.scheduling.services import session_update_status  # noqa: E402
from tutordesk.tutoring.models import Package  # noqa: E402


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def seed(students: int, sessions_per_match: int) -> None:
    tutors = max(1, students // 15)
    call_command(
        "seed_demo",
        "--reset",
        f"--tutors={tutors}",
        f"--students={students}",
        f"--sessions-per-match={sessions_per_match}",
        verbosity=0,
    )


def past_sessions(limit: int) -> list:
    return list(
        Session.objects.filter(
            status="scheduled", scheduled_start_at__lt=timezone.now() - timedelta(minutes=1)
        )
        .order_by("scheduled_start_at")
        .values_list("id", flat=True)[:limit]
    )


def bench_serial(admin: User, n: int) -> list[float]:
    latencies = []
    for session_id in past_sessions(n):
        latencies.append(timed(lambda sid=session_id: _done(sid, admin)))
    return latencies


def _done(session_id, admin: User) -> None:
    with transaction.atomic(durable=True):
        session_update_status(session_id=session_id, status="done", actor=admin)


def bench_threads(admin: User, n: int, threads: int) -> float:
    ids = past_sessions(n)

    def work(chunk: list) -> None:
        try:
            for session_id in chunk:
                _done(session_id, admin)
        finally:
            connection.close()

    chunks = [ids[i::threads] for i in range(threads)]
    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, chunks))
    return len(ids) / (time.perf_counter() - start)


def main() -> None:
    creation = connection.creation
    test_name = creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    print(f"database: {connection.vendor} ({test_name})")
    try:
        seed(students=300, sessions_per_match=20)
        admin = User.objects.get(email="admin@example.com")
        print(f"seeded: {Session.objects.count()} sessions, {Package.objects.count()} packages")

        session_id = past_sessions(1)[0]
        with CaptureQueriesContext(connection) as q:
            _done(session_id, admin)
        statements = [x["sql"] for x in q.captured_queries if not x["sql"].startswith(("BEGIN", "COMMIT"))]
        print(f"statements per consuming update: {len(statements)}")

        lat = bench_serial(admin, 300)
        p50 = statistics.median(lat) * 1000
        p95 = statistics.quantiles(lat, n=20)[-1] * 1000
        print(
            f"serial status updates: {len(lat)} in {sum(lat):.2f}s, {len(lat) / sum(lat):.0f}/s, "
            f"p50 {p50:.2f} ms, p95 {p95:.2f} ms"
        )
        rate = bench_threads(admin, 400, threads=8)
        print(
            f"8 threads, distinct sessions: {rate:.0f} updates/s ({rate / (len(lat) / sum(lat)):.2f}x serial)"
        )

        seconds = timed(lambda: list(ledger_problems()))
        print(f"verify_ledger over {Session.objects.count()} sessions: {seconds * 1000:.0f} ms")
        seed(students=3000, sessions_per_match=20)
        seconds_big = timed(lambda: list(ledger_problems()))
        print(
            f"verify_ledger over {Session.objects.count()} sessions: {seconds_big * 1000:.0f} ms "
            f"({seconds_big / seconds:.1f}x for 10x the rows)"
        )
    finally:
        connection.close()
        creation.destroy_test_db(test_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
