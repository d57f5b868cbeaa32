"""Benchmark of the JSON API over real HTTP (not a test): requests/s and p50/p95 latency.

Run: `.venv/bin/python -m bench.api_http` (SQLite) or with `DATABASE_URL=postgres://...`.
It builds a throwaway database (suffix `_benchapi`), seeds it with seed_demo, serves it with
gunicorn (2 workers x 8 threads) on a free loopback port, drives it from 16 client threads,
prints figures and drops the database.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutordesk.settings")
os.environ.setdefault("TUTORDESK_DEBUG", "1")
os.environ["TUTORDESK_TEST_DB_SUFFIX"] = "_benchapi"

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from tutordesk.accounts.models import User  # noqa: E402
from tutordesk.accounts.services import api_token_create  # noqa: E402
from tutordesk.api.pagination import encode_cursor  # noqa: E402
from tutordesk.scheduling.models import Session  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 16


def database_url() -> str:
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def request(port: int, method: str, path: str, token: str, body: dict | None = None, key: str | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    start = time.perf_counter()
    conn.request(method, path, body=json.dumps(body).encode() if body is not None else None, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status, time.perf_counter() - start


def measure(name: str, port: int, calls: list[tuple]) -> None:
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = list(pool.map(lambda c: request(port, *c), calls))
    elapsed = time.perf_counter() - start
    latencies = sorted(r[1] * 1000 for r in results)
    statuses: dict[int, int] = {}
    for status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(
        f"{name:<42} {len(calls) / elapsed:7.0f} req/s   p50 {statistics.median(latencies):6.1f} ms"
        f"   p95 {p95:6.1f} ms   statuses {statuses}"
    )


def main() -> None:
    creation = connection.creation
    test_name = creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    print(f"database: {connection.vendor} ({test_name})")
    process = None
    try:
        call_command(
            "seed_demo", "--reset", "--tutors=40", "--students=300", "--sessions-per-match=20", verbosity=0
        )
        total = Session.objects.count()
        print(f"seeded: {total} sessions; {CLIENTS} client threads, gunicorn 2 workers x 8 threads")
        admin_token = api_token_create(email="admin@example.com")[1]
        tutor = User.objects.filter(role="tutor").order_by("email").first()
        assert tutor is not None
        tutor_token = api_token_create(email=tutor.email)[1]
        middle = Session.objects.order_by("scheduled_start_at", "id")[total // 2]
        deep_cursor = encode_cursor(middle.scheduled_start_at, middle.id)
        past = list(
            Session.objects.filter(tutor=tutor, status="scheduled", scheduled_start_at__lt=timezone.now())
            .order_by("scheduled_start_at")
            .values_list("id", flat=True)
        )
        connection.close()

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {**os.environ, "DATABASE_URL": database_url(), "TUTORDESK_DEBUG": "1"}
        env.pop("TUTORDESK_TEST_DB_SUFFIX", None)
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "tutordesk.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--worker-class",
                "gthread",
                "--threads",
                "8",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                if request(port, "GET", "/api/v1/me", admin_token)[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)

        n = 800
        measure(
            "GET /sessions?limit=50 (admin, page 1)",
            port,
            [("GET", "/api/v1/sessions?limit=50", admin_token)] * n,
        )
        measure(
            "GET /sessions?limit=50&cursor=<middle>",
            port,
            [("GET", f"/api/v1/sessions?limit=50&cursor={deep_cursor}", admin_token)] * n,
        )
        measure(
            "GET /sessions?limit=200 (tutor)", port, [("GET", "/api/v1/sessions?limit=200", tutor_token)] * n
        )
        measure("GET /audit-logs?limit=50", port, [("GET", "/api/v1/audit-logs?limit=50", admin_token)] * n)
        keys = [str(uuid.uuid4()) for _ in past]
        measure(
            f"POST /sessions/{{id}}/status done (x{len(past)}, keys)",
            port,
            [
                ("POST", f"/api/v1/sessions/{sid}/status", tutor_token, {"status": "done"}, k)
                for sid, k in zip(past, keys, strict=True)
            ],
        )
        measure(
            "POST same requests again (replays)",
            port,
            [
                ("POST", f"/api/v1/sessions/{sid}/status", tutor_token, {"status": "done"}, k)
                for sid, k in zip(past, keys, strict=True)
            ],
        )
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=15)
        creation.destroy_test_db(test_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
