"""Benchmark of reminders (not a test): reminders sent per second by one and by two workers.

Run: `.venv/bin/python -m bench reminders [--lessons N]` (SQLite) or with `DATABASE_URL=postgres://...`.
It builds a throwaway database (suffix `_benchrem`), books LESSONS lessons through
`session_create` (one tutor, an hour apart), lets the worker plan their reminders (offset `1h`
only), then makes every reminder due at once (the rows' and jobs' due times set to now: an hour of
a busy business squeezed into one instant) and times `run_worker --until-idle` processes working
them off: each reminder is decided (a `reminder.sent` event), fanned out into two emails (the
student, the tutor), each with its .ics, and sent over SMTP to an aiosmtpd receiver on 127.0.0.1.
First one worker, then (a fresh batch) two side by side. Prints figures, drops the database.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutordesk.settings")
os.environ.setdefault("TUTORDESK_DEBUG", "1")
os.environ["TUTORDESK_TEST_DB_SUFFIX"] = "_benchrem"
os.environ["TUTORDESK_REMINDERS"] = "1h"

import django

django.setup()

from aiosmtpd.controller import Controller  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from harness.servers import ROOT, database_url, free_port  # noqa: E402
from tutordesk.accounts.models import Role, User  # noqa: E402
from tutordesk.events.jobs import job_kinds  # noqa: E402
from tutordesk.events.models import (  # noqa: E402
    EmailNotification,
    EmailState,
    Job,
    JobState,
    NotificationPreference,
)
from tutordesk.events.worker import dispatch_events  # noqa: E402
from tutordesk.reminders.jobs import REMINDER_JOB  # noqa: E402
from tutordesk.reminders.models import Reminder, ReminderKind, ReminderState  # noqa: E402
from tutordesk.scheduling.services import session_create  # noqa: E402
from tutordesk.tutoring.services import match_create, request_create  # noqa: E402

LESSONS = int(sys.argv[sys.argv.index("--lessons") + 1]) if "--lessons" in sys.argv else 2000


class Counting:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.count += 1
        return "250 OK"


def book(match_id: object, admin: User, first_hour: int) -> None:
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=2, hours=first_hour)
    for n in range(LESSONS):
        with transaction.atomic():
            session_create(
                match_id=match_id,
                scheduled_start_at=start + timedelta(hours=n),
                duration_minutes=60,
                actor=admin,
            )
    while dispatch_events():  # the worker's fan-out plans each lesson's reminders
        pass
    now = timezone.now()
    Reminder.objects.filter(kind=ReminderKind.REMINDER, state=ReminderState.PENDING).update(due_at=now)
    Job.objects.filter(kind=REMINDER_JOB, state=JobState.PENDING).update(next_attempt_at=now)


def work_off(processes: int, port: int) -> tuple[float, int]:
    sent_before = EmailNotification.objects.filter(state=EmailState.SENT).count()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "TUTORDESK_EMAIL_HOST": "127.0.0.1",
        "TUTORDESK_EMAIL_PORT": str(port),
        "TUTORDESK_EMAIL_USE_TLS": "0",
    }
    env.pop("TUTORDESK_TEST_DB_SUFFIX", None)
    start = time.perf_counter()
    workers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--until-idle", "--verbosity", "0"], cwd=ROOT, env=env
        )
        for _ in range(processes)
    ]
    for worker in workers:
        worker.wait(timeout=1800)
    seconds = time.perf_counter() - start
    sent = EmailNotification.objects.filter(state=EmailState.SENT).count() - sent_before
    return seconds, sent


def main() -> None:
    logging.getLogger("tutordesk.events").setLevel(logging.WARNING)
    assert REMINDER_JOB in job_kinds()
    creation = connection.creation
    test_name = creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    receiver = Counting()
    port = free_port()
    smtp = Controller(receiver, hostname="127.0.0.1", port=port)
    smtp.start()
    print(f"database: {connection.vendor} ({test_name}); {LESSONS} reminders per run; SMTP on 127.0.0.1")
    try:
        admin = User.objects.create(email="bench-admin@example.test", name="Bench", role=Role.ADMIN)
        tutor = User.objects.create(email="bench-tutor@example.test", name="Tutor", role=Role.TUTOR)
        student = User.objects.create(email="bench-student@example.test", name="Student", role=Role.STUDENT)
        # Only reminders are measured: the booking emails of the 2,000 lessons are switched off.
        NotificationPreference.objects.create(user=student, booking_emails=False)
        with transaction.atomic():
            request = request_create(student=student, subject="Algebra", actor=admin)
            match = match_create(request=request, tutor=tutor, actor=admin)
        for run, processes in enumerate((1, 2)):
            book(match.id, admin, first_hour=run * LESSONS)
            received_before = receiver.count
            seconds, sent = work_off(processes, port)
            decided = Reminder.objects.filter(kind=ReminderKind.REMINDER, state=ReminderState.SENT).count()
            print(
                f"{processes} run_worker process(es) (incl. start-up): {LESSONS} reminders, {sent} emails "
                f"({receiver.count - received_before} received) in {seconds:.1f} s = "
                f"{LESSONS / seconds:.0f} reminders/s, {sent / seconds:.0f} emails/s; decided in all: {decided}"
            )
    finally:
        smtp.stop()
        connection.close()
        creation.destroy_test_db(test_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
