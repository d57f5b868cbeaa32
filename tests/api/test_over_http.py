"""Races over real HTTP: two gunicorn servers (as two hosts would be, threads each) against the
test database, many concurrent clients on separate connections. Nothing is shared in process memory,
so whatever holds here holds across hosts too."""

from __future__ import annotations

import http.client
import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from harness.servers import start_app_servers, stop_app_server
from tests.factories import make_match, make_package, make_session
from tests.helpers import snapshot
from tutordesk.accounts.services import api_token_create
from tutordesk.audit.models import AuditLog
from tutordesk.core.models import IdempotencyKey
from tutordesk.tutoring.models import Package

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

SERVERS, WORKERS, THREADS = 2, 1, 16


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    """Two app servers (as two hosts behind a load balancer would be) against the one test database;
    request i goes to server[i % 2]."""
    servers = start_app_servers(SERVERS, workers=WORKERS, threads=THREADS)
    try:
        yield [s.port for s in servers]
    finally:
        for s in servers:
            stop_app_server(s)


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
    match = make_match()
    package = make_package(request=match.request, sessions_total=10)
    session = make_session(match=match)
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
    assert (
        AuditLog.objects.filter(entity_id=setup["session"].id, action="session_status_updated").count() == 1
    )
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
