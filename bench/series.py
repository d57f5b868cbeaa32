"""Benchmark (not a test): booking a 100-lesson series (CONTRACT §12), server time.

Run: `DATABASE_URL=postgres://... python -m bench series [--repeat N]`. It builds a throwaway
database named like the test database (`_bench_series` suffix), prints figures, and drops it.

Two figures, each the median and p95 of N fresh bookings (a new tutor and match each time, so
every booking checks a tutor with lessons of other students already on the calendar):
- the service alone (`series_create`, in its own transaction): the rule, the clash check, 100
  sessions with their audit rows and events;
- the whole `POST /api/v1/series` with an Idempotency-Key, through Django's test client (the
  server's own time: token, parsing, the service, the stored answer, the JSON; no network).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutordesk.settings")
os.environ.setdefault("TUTORDESK_DEBUG", "1")
os.environ["TUTORDESK_TEST_DB_SUFFIX"] = "_bench_series"
os.environ.setdefault("TUTORDESK_ALLOWED_HOSTS", "testserver")  # Django's test client's host

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from tutordesk.accounts.models import Role, User  # noqa: E402
from tutordesk.accounts.services import api_token_create  # noqa: E402
from tutordesk.scheduling.series import clean_rule, series_create  # noqa: E402
from tutordesk.scheduling.services import session_create  # noqa: E402
from tutordesk.tutoring.models import Match  # noqa: E402
from tutordesk.tutoring.services import match_create, request_create  # noqa: E402

START = datetime(2031, 1, 6, 15, 0, tzinfo=UTC)  # a Monday
LONE: list[float] = []  # each lone booking's time (`session_create`), for scale on a busy machine


def fresh_match(admin: User, n: int) -> Match:
    """A new tutor with 20 lessons of another student already booked, and the match to book for."""
    with transaction.atomic():
        tutor = User.objects.create_user(email=f"bench-tutor-{n}@example.test", name=f"T{n}", role=Role.TUTOR)
        other = User.objects.create_user(
            email=f"bench-other-{n}@example.test", name=f"O{n}", role=Role.STUDENT
        )
        student = User.objects.create_user(
            email=f"bench-student-{n}@example.test", name=f"S{n}", role=Role.STUDENT
        )
        busy = match_create(
            request=request_create(student=other, subject="Busy", actor=admin), tutor=tutor, actor=admin
        )
        for week in range(20):
            began = time.perf_counter()
            with transaction.atomic():
                session_create(
                    match_id=busy.id,
                    scheduled_start_at=START + timedelta(weeks=week, days=2),
                    duration_minutes=60,
                    actor=admin,
                )
            LONE.append(time.perf_counter() - began)
        return match_create(
            request=request_create(student=student, subject="Algebra", actor=admin), tutor=tutor, actor=admin
        )


def ms(values: list[float]) -> str:
    p95 = statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]
    return f"median {statistics.median(values) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms (n={len(values)})"


def main(repeat: int) -> None:
    creation = connection.creation
    test_name = creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    print(f"database: {connection.vendor} ({test_name})")
    try:
        admin = User.objects.create_user(email="bench-admin@example.test", name="Admin", role=Role.ADMIN)
        rule = clean_rule(start_at=START, timezone="Europe/Berlin", weekdays=["MO"], count=100)

        service: list[float] = []
        cpu: list[
            float
        ] = []  # this process's CPU time per booking: what a busy machine's queue does not inflate
        for n in range(repeat):
            match = fresh_match(admin, n)
            with CaptureQueriesContext(connection) as queries:
                began, began_cpu = time.perf_counter(), time.process_time()
                with transaction.atomic(durable=True):
                    made = series_create(match_id=match.id, rule=rule, duration_minutes=60, actor=admin)
                service.append(time.perf_counter() - began)
                cpu.append(time.process_time() - began_cpu)
            assert len(made.sessions) == 100
        print(
            f"series_create, 100 lessons (service): {ms(service)}, {len(queries.captured_queries)} statements; "
            f"app CPU {ms(cpu)}"
        )

        client = Client()
        token = api_token_create(email=admin.email)[1]
        http: list[float] = []
        http_cpu: list[float] = []
        for n in range(repeat, 2 * repeat):
            match = fresh_match(admin, n)
            body = {
                "match_id": str(match.id),
                "start_at": START.isoformat(),
                "timezone": "Europe/Berlin",
                "duration_minutes": 60,
                "weekdays": ["MO"],
                "count": 100,
            }
            began, began_cpu = time.perf_counter(), time.process_time()
            response = client.post(
                "/api/v1/series",
                body,
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())},
            )
            http.append(time.perf_counter() - began)
            http_cpu.append(time.process_time() - began_cpu)
            assert response.status_code == 201, response.content[:300]
        print(f"POST /api/v1/series, 100 lessons (server time): {ms(http)}; app CPU {ms(http_cpu)}")
        lone = statistics.median(LONE)
        print(
            f"one lone booking (session_create), for scale: {ms(LONE)}; a 100-lesson series costs "
            f"{statistics.median(service) / lone:.1f} lone bookings"
        )
    finally:
        connection.close()
        creation.destroy_test_db(test_name, verbosity=0)


if __name__ == "__main__":
    args = sys.argv[1:]
    main(int(args[args.index("--repeat") + 1]) if "--repeat" in args else 20)
