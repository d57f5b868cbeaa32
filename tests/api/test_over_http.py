"""Races over real HTTP: two gunicorn servers (as two hosts would be, threads each) against the
test database, many concurrent clients on separate connections. Nothing is shared in process memory,
so whatever holds here holds across hosts too."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.factories import MatchFactory, PackageFactory, SessionFactory
from tests.helpers import snapshot
from tutordesk.accounts.services import api_token_create
from tutordesk.audit.models import AuditLog
from tutordesk.core.models import IdempotencyKey
from tutordesk.tutoring.models import Package

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
SERVERS, WORKERS, THREADS = 2, 1, 16


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    host, port, user = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432, db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


test_database_url.__test__ = False  # type: ignore[attr-defined]


def start_gunicorn(port: int) -> subprocess.Popen:
    env = {**os.environ, "TUTORDESK_DEBUG": "1", "DATABASE_URL": test_database_url(), "PYTHONUNBUFFERED": "1"}
    env.pop("TUTORDESK_TEST_DB_SUFFIX", None)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "tutordesk.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "gthread",
            "--threads",
            str(THREADS),
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_until_up(process: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            status, _, _ = call(port, "GET", "/api/v1/openapi.json")
            if status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("gunicorn did not answer within 30 s")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    """Two app servers (as two hosts behind a load balancer would be) against the one test database;
    request i goes to server[i % 2]."""
    ports = [free_port() for _ in range(SERVERS)]
    processes = [start_gunicorn(port) for port in ports]
    try:
        for process, port in zip(processes, ports, strict=True):
            wait_until_up(process, port)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def call(port: int, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=90)
    try:
        payload = None if body is None else json.dumps(body).encode()
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        connection.request(method, path, body=payload, headers=all_headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def together(count: int, one) -> list:
    """Run one(i) in `count` threads released at the same moment; bounded by timeouts."""
    barrier = threading.Barrier(count, timeout=60)

    def start(i: int):
        barrier.wait()
        return one(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(start, range(count), timeout=180))


@pytest.fixture
def setup():
    match = MatchFactory()
    package = PackageFactory(request=match.request, sessions_total=10)
    session = SessionFactory(match=match)
    _, token = api_token_create(email=match.tutor.email)
    return {"session": session, "package": package, "auth": {"Authorization": f"Bearer {token}"}}


def code_of(result) -> str:
    status, _, content = result
    return "ok" if status == 200 else f"{status} {json.loads(content)['code']}"


def test_64_concurrent_dones_with_different_keys_charge_once(server, setup):
    path = f"/api/v1/sessions/{setup['session'].id}/status"
    results = together(
        64,
        lambda i: call(
            server[i % SERVERS],
            "POST",
            path,
            {"status": "done"},
            {**setup["auth"], "Idempotency-Key": f"k{i}"},
        ),
    )
    codes = Counter(code_of(r) for r in results)
    assert codes == {"ok": 1, "409 invalid_transition": 63}, codes
    setup["package"].refresh_from_db()
    assert setup["package"].sessions_used == 1
    assert (
        AuditLog.objects.filter(entity_id=setup["session"].id, action="session_status_updated").count() == 1
    )
    assert IdempotencyKey.objects.count() == 64  # every response is stored under its key, errors too


def test_16_concurrent_requests_with_one_key_have_one_effect(server, setup):
    path = f"/api/v1/sessions/{setup['session'].id}/status"
    headers = {**setup["auth"], "Idempotency-Key": "one-key"}
    results = together(16, lambda i: call(server[i % SERVERS], "POST", path, {"status": "done"}, headers))

    fresh = [r for r in results if r[0] == 200 and "Idempotent-Replayed" not in r[1]]
    replays = [r for r in results if r[0] == 200 and r[1].get("Idempotent-Replayed") == "true"]
    in_use = [r for r in results if code_of(r) == "409 idempotency_key_in_use"]
    assert len(fresh) == 1
    assert len(fresh) + len(replays) + len(in_use) == 16, Counter(code_of(r) for r in results)
    assert all(r[2] == fresh[0][2] for r in replays)
    setup["package"].refresh_from_db()
    assert setup["package"].sessions_used == 1
    assert AuditLog.objects.filter(entity_id=setup["session"].id).count() == 1
    print(f"one key x16: 1 fresh, {len(replays)} replayed, {len(in_use)} x 409 idempotency_key_in_use")


def test_a_key_replayed_10_times_after_success_gives_10_identical_responses(server, setup):
    path = f"/api/v1/sessions/{setup['session'].id}/status"
    headers = {**setup["auth"], "Idempotency-Key": "replay-me"}
    first = call(server[0], "POST", path, {"status": "done", "tutor_notes": "Fractions"}, headers)
    assert first[0] == 200
    replays = together(
        10,
        lambda i: call(
            server[i % SERVERS], "POST", path, {"status": "done", "tutor_notes": "Fractions"}, headers
        ),
    )
    assert [r[0] for r in replays] == [200] * 10
    assert all(r[1]["Idempotent-Replayed"] == "true" for r in replays)
    assert {r[2] for r in replays} == {first[2]}
    setup["package"].refresh_from_db()
    assert setup["package"].sessions_used == 1


def test_the_same_key_with_a_different_body_is_refused_and_changes_nothing(server, setup):
    path = f"/api/v1/sessions/{setup['session'].id}/status"
    headers = {**setup["auth"], "Idempotency-Key": "body-1"}
    assert call(server[0], "POST", path, {"status": "no_show_tutor"}, headers)[0] == 200
    before = snapshot()
    status, response_headers, content = call(server[1], "POST", path, {"status": "done"}, headers)
    assert status == 422
    assert response_headers["Content-Type"] == "application/problem+json"
    assert json.loads(content)["code"] == "idempotency_key_reused"
    assert snapshot() == before
    assert Package.objects.get(pk=setup["package"].pk).sessions_used == 0
