"""`GET /api/v1/webhook-endpoints/{id}/deliveries` lists every attempt of each delivery, oldest
first, so an integrator sees the 500 that came before the 200 (CONTRACT §10); the page's attempts
are read in one query, however many deliveries it holds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from harness.servers import free_port
from tests.api.conftest import ApiClient, token_for
from tests.api.test_statement_budget import statements
from tests.events.conftest import make_endpoint, run_worker
from tests.factories import make_session
from tutordesk.events.worker import dispatch_events

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_private")]

ATTEMPT_FIELDS = {"number", "status_code", "error", "duration_ms", "created_at"}
# Every field the contract names for a delivery, kept as they were before `attempts` came.
DELIVERY_FIELDS = {
    "id",
    "event_id",
    "event_type",
    "attempt",
    "status_code",
    "error",
    "duration_ms",
    "created_at",
    "next_attempt_at",
    "state",
}


@pytest.fixture
def api(admin):
    return ApiClient(token_for(admin))


def fails_once(request, before: int) -> int:
    return 500 if before == 0 else 200


def deliver_twice() -> None:
    """The first attempt of every delivery, then (past its retry time) the second."""
    run_worker()
    run_worker(now=timezone.now() + timedelta(hours=1))


def deliveries(api, endpoint, **params):
    response = api.get(f"/webhook-endpoints/{endpoint.id}/deliveries", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_delivery_lists_the_500_that_came_before_its_200(api, receivers, match):
    receiver = receivers(fails_once)
    endpoint, _ = make_endpoint(receiver.url, events=["session.created"])
    make_session(match=match)
    deliver_twice()

    [item] = deliveries(api, endpoint)["items"]
    assert set(item) == DELIVERY_FIELDS | {"attempts"}
    assert (item["attempt"], item["status_code"], item["error"], item["state"]) == (2, 200, "", "succeeded")
    first, second = item["attempts"]
    assert set(first) == set(second) == ATTEMPT_FIELDS
    assert (first["number"], first["status_code"]) == (1, 500)
    assert first["error"] != ""  # a non-2xx says why it failed
    assert (second["number"], second["status_code"], second["error"]) == (2, 200, "")
    assert first["created_at"] < second["created_at"]
    assert item["duration_ms"] == second["duration_ms"] >= 0 and first["duration_ms"] >= 0
    # The attempts are the receiver's own record of what it answered.
    assert [r.status for r in receiver.requests] == [500, 200]


def test_an_attempt_that_got_no_answer_has_a_null_status_code_and_an_error(api, match):
    endpoint, _ = make_endpoint(f"http://127.0.0.1:{free_port()}/hooks", events=["session.created"])
    make_session(match=match)
    run_worker()

    [item] = deliveries(api, endpoint)["items"]
    [attempt] = item["attempts"]
    assert attempt["number"] == 1
    assert attempt["status_code"] is None and item["status_code"] is None
    assert attempt["error"] != "" and attempt["error"] == item["error"]
    assert item["state"] == "pending"


def test_a_delivery_not_tried_yet_has_no_attempts(api, receiver, match):
    endpoint, _ = make_endpoint(receiver.url, events=["session.created"])
    make_session(match=match)
    dispatch_events()  # a delivery made, not sent yet

    [item] = deliveries(api, endpoint)["items"]
    assert (item["attempt"], item["attempts"], item["duration_ms"]) == (0, [], None)


def test_each_delivery_on_a_page_carries_its_own_attempts(api, receivers, match):
    receiver = receivers(fails_once)
    endpoint, _ = make_endpoint(receiver.url, events=["session.created"])
    sessions = [make_session(match=match) for _ in range(3)]
    deliver_twice()

    first = deliveries(api, endpoint, limit=2)
    rest = deliveries(api, endpoint, limit=2, cursor=first["next_cursor"])
    items = first["items"] + rest["items"]
    assert len(items) == len(sessions)
    for item in items:
        assert [(a["number"], a["status_code"]) for a in item["attempts"]] == [(1, 500), (2, 200)]
        assert {r.status for r in receiver.for_id(item["event_id"])} == {500, 200}


def test_send_again_answers_with_the_attempts_so_far(api, receivers, match):
    receiver = receivers(fails_once)
    endpoint, _ = make_endpoint(receiver.url, events=["session.created"])
    make_session(match=match)
    deliver_twice()
    [item] = deliveries(api, endpoint)["items"]

    response = api.post(f"/webhook-endpoints/{endpoint.id}/deliveries/{item['id']}/resend", key="again")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "pending"
    assert [a["status_code"] for a in response.json()["attempts"]] == [500, 200]
    run_worker()
    [item] = deliveries(api, endpoint)["items"]
    assert [(a["number"], a["status_code"]) for a in item["attempts"]] == [(1, 500), (2, 200), (3, 200)]


def test_the_list_runs_the_same_statements_for_1_and_for_20_deliveries(api, receivers, match):
    """The token, the endpoint, the page of deliveries (with their events), and one query for the
    attempts of the whole page: never one per delivery or per attempt."""
    receiver = receivers(fails_once)
    endpoint, _ = make_endpoint(receiver.url, events=["session.created"])

    def listed(count: int) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            page = deliveries(api, endpoint, limit=50)
        assert len(page["items"]) == count
        assert all(len(item["attempts"]) == 2 for item in page["items"])
        return statements(captured)

    make_session(match=match)
    deliver_twice()
    one = listed(1)
    for _ in range(19):
        make_session(match=match)
    deliver_twice()
    twenty = listed(20)

    assert len(one) == 4, "\n".join(one)
    assert len(twenty) == len(one), "\n".join(twenty)
    assert sum('FROM "webhook_attempts"' in sql for sql in twenty) == 1
    assert len(receiver.answered_ok()) == 20
