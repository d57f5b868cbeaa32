"""A response is final only once it is stored with its Idempotency-Key (CONTRACT §4, §7): when the
database fails while storing it, the client gets 503 and a retry with the same key runs afresh.

The failure is the database's own: a trigger on `idempotency_keys` that fails every INSERT with an
operational error (PostgreSQL: SQLSTATE 57P01, "terminating connection due to administrator
command"; SQLite: a trigger reading a table that no longer exists)."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.api.conftest import assert_problem
from tests.helpers import snapshot
from tutordesk.core.models import IdempotencyKey

pytestmark = pytest.mark.django_db(transaction=True)

FAIL_POSTGRES = [
    """CREATE FUNCTION tutordesk_test_fail() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'the database is going away' USING ERRCODE = '57P01'; END
       $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER tutordesk_test_fail BEFORE INSERT ON idempotency_keys "
    "FOR EACH ROW EXECUTE FUNCTION tutordesk_test_fail()",
]
HEAL_POSTGRES = [
    "DROP TRIGGER tutordesk_test_fail ON idempotency_keys",
    "DROP FUNCTION tutordesk_test_fail()",
]
FAIL_SQLITE = [
    "CREATE TABLE tutordesk_test_gone (x integer)",
    "CREATE TRIGGER tutordesk_test_fail BEFORE INSERT ON idempotency_keys "
    "BEGIN SELECT x FROM tutordesk_test_gone; END",
    "DROP TABLE tutordesk_test_gone",
]
HEAL_SQLITE = ["DROP TRIGGER tutordesk_test_fail"]


@pytest.fixture
def failing_key_store():
    fail, heal = (
        (FAIL_POSTGRES, HEAL_POSTGRES) if connection.vendor == "postgresql" else (FAIL_SQLITE, HEAL_SQLITE)
    )
    with connection.cursor() as cursor:
        for sql in fail:
            cursor.execute(sql)

    state = {"failing": True}

    def healed() -> None:
        if state["failing"]:
            with connection.cursor() as cursor:
                for sql in heal:
                    cursor.execute(sql)
            state["failing"] = False

    yield healed
    healed()


def test_a_refusal_that_cannot_be_stored_is_a_503_and_the_key_runs_again(
    tutor_api, future_session, failing_key_store
):
    path = f"/sessions/{future_session.id}/status"
    before = snapshot()
    assert_problem(tutor_api.post(path, {"status": "done"}, key="k"), 503, "service_unavailable")
    assert snapshot() == before
    assert not IdempotencyKey.objects.exists()
    failing_key_store()
    again = tutor_api.post(path, {"status": "done"}, key="k")
    assert_problem(again, 409, "session_not_started")
    assert "Idempotent-Replayed" not in again
    assert IdempotencyKey.objects.get().status_code == 409


def test_a_change_whose_answer_cannot_be_stored_is_rolled_back(
    tutor_api, past_session, package, failing_key_store
):
    before = snapshot()
    response = tutor_api.post(f"/sessions/{past_session.id}/status", {"status": "done"}, key="k2")
    assert_problem(response, 503, "service_unavailable")
    assert snapshot() == before
    failing_key_store()
    assert (
        tutor_api.post(f"/sessions/{past_session.id}/status", {"status": "done"}, key="k2").status_code == 200
    )
    package.refresh_from_db()
    assert package.sessions_used == 1


def test_a_page_refusal_that_cannot_be_stored_is_a_503(client, tutor, future_session, failing_key_store):
    client.raise_request_exception = False
    client.force_login(tutor)
    before = snapshot()
    response = client.post(
        f"/sessions/{future_session.id}/status/",
        {"status": "done", "idempotency_key": "page-key"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 503
    assert snapshot() == before
    assert not IdempotencyKey.objects.exists()
