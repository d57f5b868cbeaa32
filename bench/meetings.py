"""Benchmark of meeting links (not a test): what a provider adds to a booking, and how fast the
worker makes, moves and deletes Google events.

Run: `.venv/bin/python -m bench.meetings` (SQLite) or with `DATABASE_URL=postgres://...`.
It builds a throwaway database (suffix `_benchmeet`) and starts the tests' Google-shaped server on
127.0.0.1 (tests/meetings/google_server.py: the real Google clients, a real signed token). Then:

1. BOOKINGS lessons booked through `session_create` with each provider (none, jitsi, google):
   milliseconds and SQL statements per booking, in this process;
2. the worker's jobs making those BOOKINGS Google links (token, insert with a Meet conference),
   then moving every one (a reschedule: patch) and deleting every one (off the schedule), each
   as links per second.

Every request goes to 127.0.0.1; it prints figures and drops the database.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutordesk.settings")
os.environ.setdefault("TUTORDESK_DEBUG", "1")
os.environ["TUTORDESK_TEST_DB_SUFFIX"] = "_benchmeet"

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from tests.meetings.google_server import start_google, stop_google  # noqa: E402
from tutordesk.accounts.models import Role, User  # noqa: E402
from tutordesk.events.worker import dispatch_events, run_due_jobs  # noqa: E402
from tutordesk.scheduling.models import Session  # noqa: E402
from tutordesk.scheduling.services import session_create, session_update_status  # noqa: E402
from tutordesk.tutoring.services import match_create, request_create  # noqa: E402

BOOKINGS = 200


def book(match_id: object, admin: User, first_hour: int) -> tuple[float, float, list[Session]]:
    """BOOKINGS lessons, an hour apart: ms and statements per booking."""
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1, hours=first_hour)
    made: list[Session] = []
    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        for n in range(BOOKINGS):
            with transaction.atomic():
                made.append(
                    session_create(
                        match_id=match_id,
                        scheduled_start_at=start + timedelta(hours=n),
                        duration_minutes=60,
                        actor=admin,
                    )
                )
        elapsed = time.perf_counter() - began
    statements = [q for q in queries.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]
    return elapsed * 1000 / BOOKINGS, len(statements) / BOOKINGS, made


def drain() -> float:
    """Seconds the worker (in this process) takes until nothing is due."""
    began = time.perf_counter()
    while dispatch_events() + run_due_jobs(limit=50):
        pass
    return time.perf_counter() - began


def main() -> None:
    logging.getLogger("tutordesk.events").setLevel(logging.WARNING)
    creation = connection.creation
    test_name = creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    folder = Path(tempfile.mkdtemp())
    google = start_google(folder / "key.json")
    settings.GOOGLE_SERVICE_ACCOUNT_FILE = str(folder / "key.json")
    settings.GOOGLE_API_URL = google.root
    print(f"database: {connection.vendor} ({test_name}); {BOOKINGS} lessons per run; Google on 127.0.0.1")
    try:
        admin = User.objects.create(email="bench-admin@example.test", name="Bench", role=Role.ADMIN)
        tutor = User.objects.create(email="bench-tutor@example.test", name="Tutor", role=Role.TUTOR)
        student = User.objects.create(email="bench-student@example.test", name="Student", role=Role.STUDENT)
        with transaction.atomic():
            request = request_create(student=student, subject="Algebra", actor=admin)
            match = match_create(request=request, tutor=tutor, actor=admin)
        sessions: list[Session] = []
        for offset, provider in enumerate(("none", "jitsi", "google")):
            settings.MEETING_PROVIDER = provider
            ms, statements, sessions = book(match.id, admin, first_hour=offset * BOOKINGS)
            print(f"booking with provider {provider:6}: {ms:.2f} ms and {statements:.1f} SQL statements each")
        seconds = drain()
        links = Session.objects.filter(pk__in=[s.pk for s in sessions], meet_link__isnull=False).count()
        print(f"worker, Google links made: {links} in {seconds:.2f} s = {links / seconds:.0f}/s")
        for session in sessions:
            with transaction.atomic():
                session_update_status(
                    session_id=session.id,
                    status="rescheduled",
                    new_start_at=session.scheduled_start_at + timedelta(days=30),
                    actor=admin,
                )
        seconds = drain()
        print(
            f"worker, Google events moved (patch): {len(google.of_kind('patch'))} in {seconds:.2f} s "
            f"= {len(google.of_kind('patch')) / seconds:.0f}/s"
        )
        for replacement in Session.objects.filter(rescheduled_from__in=sessions):
            with transaction.atomic():
                session_update_status(session_id=replacement.id, status="rescheduled", actor=admin)
        seconds = drain()
        print(
            f"worker, Google events deleted: {len(google.of_kind('delete'))} in {seconds:.2f} s "
            f"= {len(google.of_kind('delete')) / seconds:.0f}/s"
        )
        print(
            f"Google events made in all: {len(google.all_events())} (one per lesson); "
            f"tokens asked for: {len(google.of_kind('token'))}"
        )
    finally:
        stop_google(google)
        connection.close()
        creation.destroy_test_db(test_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
