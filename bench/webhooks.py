"""Benchmark of the worker (not a test): webhook events delivered per second to a local receiver.

Run: `.venv/bin/python -m bench.webhooks` (SQLite) or with `DATABASE_URL=postgres://...`.
It builds a throwaway database (suffix `_benchhooks`), records EVENTS events through
`events_record`, starts a receiver on 127.0.0.1 in its own process (answers 204 at once) and
times the worker draining them: in this process with 1 and 8 requests at once, then two
`run_worker` processes side by side. Every request goes to 127.0.0.1; it prints figures and drops
the database.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutordesk.settings")
os.environ.setdefault("TUTORDESK_DEBUG", "1")
os.environ["TUTORDESK_TEST_DB_SUFFIX"] = "_benchhooks"
os.environ["TUTORDESK_WEBHOOKS_ALLOW_PRIVATE"] = "1"  # only to reach the receiver on 127.0.0.1

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from harness.servers import ROOT, database_url, free_port  # noqa: E402
from tutordesk.accounts.models import Role, User  # noqa: E402
from tutordesk.events.models import Event, EventType, WebhookDelivery  # noqa: E402
from tutordesk.events.services import NewEvent, events_record, webhook_endpoint_create  # noqa: E402
from tutordesk.events.worker import Worker  # noqa: E402

EVENTS = 2000


def serve(port: int) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 128  # the default 5 drops connections that arrive together

    Server(("127.0.0.1", port), Handler).serve_forever()


def record_events(count: int) -> None:
    session = {
        "id": "00000000-0000-0000-0000-000000000000",
        "student_id": "00000000-0000-0000-0000-000000000001",  # nobody: no email
        "status": "done",
        "status_label": "Done",
        "scheduled_start_at": "2030-01-31T09:00:00+00:00",
        "tutor_notes": "x" * 200,
    }
    for start in range(0, count, 100):
        with transaction.atomic():
            events_record(
                changes=[
                    NewEvent(EventType.SESSION_STATUS_UPDATED, {"session": session, "package": None})
                    for _ in range(min(100, count - start))
                ]
            )


def drain_in_process(concurrency: int) -> float:
    record_events(EVENTS)
    start = time.perf_counter()
    Worker(concurrency=concurrency).run(until_idle=True)
    seconds = time.perf_counter() - start
    assert WebhookDelivery.objects.filter(state="succeeded").count() >= EVENTS
    return EVENTS / seconds


def drain_with_processes(processes: int) -> float:
    record_events(EVENTS)
    done_before = WebhookDelivery.objects.filter(state="succeeded").count()
    env = {**os.environ, "DATABASE_URL": database_url()}
    env.pop("TUTORDESK_TEST_DB_SUFFIX", None)
    start = time.perf_counter()
    workers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--until-idle", "--verbosity", "0"],
            cwd=ROOT,
            env=env,
        )
        for _ in range(processes)
    ]
    for worker in workers:
        worker.wait(timeout=600)
    seconds = time.perf_counter() - start
    delivered = WebhookDelivery.objects.filter(state="succeeded").count() - done_before
    assert delivered == EVENTS, delivered
    return EVENTS / seconds


def main() -> None:
    logging.getLogger("tutordesk.events").setLevel(logging.WARNING)  # no line per delivery
    creation = connection.creation
    test_name = creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    print(f"database: {connection.vendor} ({test_name}); {EVENTS} events per run, receiver on 127.0.0.1")
    port = free_port()
    receiver = multiprocessing.Process(target=serve, args=(port,), daemon=True)
    receiver.start()
    try:
        admin = User.objects.create(email="bench-admin@example.test", name="Bench", role=Role.ADMIN)
        with transaction.atomic():
            webhook_endpoint_create(
                url=f"http://127.0.0.1:{port}/hooks", events=EventType.values, actor=admin
            )
        time.sleep(0.2)
        for concurrency in (1, 8):
            rate = drain_in_process(concurrency)
            print(f"one worker, {concurrency} request(s) at once: {rate:.0f} events delivered/s")
        rate = drain_with_processes(2)
        print(f"two run_worker processes (8 at once each, incl. start-up): {rate:.0f} events delivered/s")
        print(f"events in the outbox now: {Event.objects.count()}")
    finally:
        receiver.terminate()
        connection.close()
        creation.destroy_test_db(test_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
