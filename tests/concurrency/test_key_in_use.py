"""Two requests with one Idempotency-Key: the second waits for the first's answer, and answers
`idempotency_key_in_use` (409), changing nothing, only when the wait passes the lock timeout."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from tests.api.conftest import ApiClient, token_for
from tests.factories import make_match, make_package, make_session
from tutordesk.core.models import IdempotencyKey
from tutordesk.scheduling.models import Session

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's lock_timeout")
def test_a_key_held_past_the_lock_timeout_answers_key_in_use_and_changes_nothing():
    match = make_match()
    make_package(request=match.request, sessions_total=5)
    session = make_session(match=match, scheduled_start_at=timezone.now() - timedelta(hours=2))
    api = ApiClient(token_for(match.tutor))
    holding, release = threading.Event(), threading.Event()

    def first_request_still_running() -> None:
        # Another worker has stored its answer for the key but not committed yet.
        try:
            with transaction.atomic():
                IdempotencyKey.objects.create(
                    user=match.tutor, key="busy", fingerprint="0" * 64, status_code=200, response_body="{}"
                )
                holding.set()
                release.wait(30)
                transaction.set_rollback(True)
        finally:
            connection.close()

    holder = threading.Thread(target=first_request_still_running)
    holder.start()
    assert holding.wait(30)
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '300ms'")
    try:
        response = api.post(f"/sessions/{session.id}/status", {"status": "done"}, key="busy")
    finally:
        release.set()
        holder.join(30)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "idempotency_key_in_use"
    assert Session.objects.get(pk=session.pk).status == "scheduled"
    assert not IdempotencyKey.objects.filter(key="busy").exists()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's lock_timeout")
def test_every_connection_has_a_lock_timeout_so_no_request_waits_forever():
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "10s"
