"""CONTRACT §7: while the database cannot be reached, the API answers 503 problem+json with
Retry-After, the pages a plain 503 page, /readyz 503 and /healthz 200 — never a 500.

The database is made unreachable for real: the connection is pointed at a port where nothing
listens (PostgreSQL) or at a file that cannot be opened (SQLite), then put back."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from tests.api.conftest import token_for
from tests.helpers import snapshot

pytestmark = pytest.mark.django_db(transaction=True)


class Outage:
    """Makes the test database unreachable for the app, and reachable again."""

    def __init__(self) -> None:
        self.saved = dict(connection.settings_dict)

    def start(self) -> None:
        connection.close()
        if connection.vendor == "postgresql":
            connection.settings_dict["PORT"] = "1"  # nothing listens there
            connection.settings_dict["OPTIONS"] = {**self.saved.get("OPTIONS", {}), "connect_timeout": 2}
        else:
            connection.settings_dict["NAME"] = "/nonexistent-directory/tutordesk.sqlite3"

    def end(self) -> None:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(self.saved)
        connection.ensure_connection()


@pytest.fixture
def outage():
    outage = Outage()
    yield outage
    outage.end()


def client() -> Client:
    return Client(raise_request_exception=False)


def test_the_api_answers_503_with_retry_after(tutor, past_session, outage):
    token = token_for(tutor)
    outage.start()
    for method, path, body in [
        ("get", "/api/v1/me", None),
        ("get", f"/api/v1/sessions/{past_session.id}", None),
        ("post", f"/api/v1/sessions/{past_session.id}/status", {"status": "done"}),
    ]:
        kwargs = {"content_type": "application/json", "data": body} if body else {}
        response = getattr(client(), method)(
            path, headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "k"}, **kwargs
        )
        assert response.status_code == 503, (path, response.content)
        assert response["Content-Type"] == "application/problem+json"
        assert response["Retry-After"].isdigit()
        assert response.json()["code"] == "service_unavailable"


def test_a_page_answers_a_plain_503(tutor, outage):
    browser = client()
    browser.force_login(tutor)
    outage.start()
    response = browser.get("/")
    assert response.status_code == 503
    assert b"briefly unavailable" in response.content
    assert b"Traceback" not in response.content
    assert response["Retry-After"].isdigit()
    login = client().post("/accounts/login/", {"username": tutor.email, "password": "x"})
    assert login.status_code == 503


def test_readyz_names_the_database_and_healthz_does_not_touch_it(db, outage):
    assert client().get("/readyz").json() == {"status": "ok", "checks": {"database": "ok"}}
    outage.start()
    ready = client().get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"].startswith("unavailable")
    live = client().get("/healthz")
    assert (live.status_code, live.json()) == (200, {"status": "ok"})


def test_nothing_changed_and_the_same_key_runs_once_the_database_is_back(
    tutor, past_session, package, outage
):
    token = token_for(tutor)
    before = snapshot()
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "after-outage"}
    path = f"/api/v1/sessions/{past_session.id}/status"
    outage.start()
    refused = client().post(path, {"status": "done"}, content_type="application/json", headers=headers)
    assert refused.status_code == 503
    outage.end()
    assert snapshot() == before
    done = client().post(path, {"status": "done"}, content_type="application/json", headers=headers)
    assert done.status_code == 200, done.content
    assert "Idempotent-Replayed" not in done
    again = client().post(path, {"status": "done"}, content_type="application/json", headers=headers)
    assert again["Idempotent-Replayed"] == "true"
    package.refresh_from_db()
    assert package.sessions_used == 1
