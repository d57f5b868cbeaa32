"""`/api/v1/webhook-endpoints` (CONTRACT §10): admins manage endpoints; the secret is shown once."""

from __future__ import annotations

import pytest

from tests.api.conftest import ApiClient, assert_problem, token_for
from tests.events.conftest import make_endpoint, run_worker
from tests.helpers import update_status
from tutordesk.audit.models import AuditLog
from tutordesk.events.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db
PUBLIC_URL = "https://93.184.216.34/hooks"  # a public IP literal: checked without any DNS query; never called


@pytest.fixture
def api(admin):
    return ApiClient(token_for(admin))


def create(api, key="create-1", **body):
    return api.post("/webhook-endpoints", {"url": PUBLIC_URL, "events": ["session.created"], **body}, key=key)


def test_an_admin_adds_an_endpoint_and_sees_its_secret_once(api, admin):
    response = create(api, description="Billing", events=["package.low_balance", "package.exhausted"])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert body["url"] == PUBLIC_URL
    assert body["events"] == ["package.low_balance", "package.exhausted"]
    assert body["description"] == "Billing"
    assert body["enabled"] is True
    log = AuditLog.objects.get(action="webhook_endpoint_created")
    assert log.actor_id == admin.id and str(log.entity_id) == body["id"]
    assert "secret" not in log.details and body["secret"] not in str(log.details)

    listed = api.get("/webhook-endpoints").json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]
    assert "secret" not in listed["items"][0]
    assert listed["next_cursor"] is None
    assert "secret" not in api.get(f"/webhook-endpoints/{body['id']}").json()


def test_a_retry_with_the_same_key_replays_the_answer_and_adds_nothing(api):
    first = create(api, key="same")
    again = create(api, key="same")
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert WebhookEndpoint.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"url": PUBLIC_URL, "events": []},
        {"url": PUBLIC_URL, "events": ["session.deleted"]},
        {"url": PUBLIC_URL, "events": ["session.created", "session.created"]},
        {"url": "http://93.184.216.34/", "events": ["session.created"]},
        {"url": PUBLIC_URL},
        {"url": PUBLIC_URL, "events": ["session.created"], "secret": "whsec_mine"},
        {"url": PUBLIC_URL, "events": ["session.created"], "description": "x" * 501},
    ],
)
def test_a_bad_body_is_a_validation_error_and_saves_nothing(api, body):
    assert_problem(api.post("/webhook-endpoints", body, key="bad"), 422, "validation_error")
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("persona", ["tutor", "student"])
def test_only_admins_manage_endpoints(request, persona):
    api = ApiClient(token_for(request.getfixturevalue(persona)))
    assert_problem(create(api), 403, "forbidden")
    assert_problem(api.get("/webhook-endpoints"), 403, "forbidden")
    assert not WebhookEndpoint.objects.exists()


def test_an_admin_disables_and_enables_an_endpoint(api, admin):
    endpoint_id = create(api).json()["id"]
    response = api.client.patch(
        f"/api/v1/webhook-endpoints/{endpoint_id}",
        {"enabled": False},
        content_type="application/json",
        headers=api.headers,
    )
    assert response.status_code == 200, response.content
    assert response.json()["enabled"] is False
    assert AuditLog.objects.filter(action="webhook_endpoint_updated").count() == 1


def test_rotating_shows_a_new_secret_once(api):
    created = create(api).json()
    rotated = api.post(f"/webhook-endpoints/{created['id']}/rotate-secret", key="rotate")
    assert rotated.status_code == 200
    assert rotated.json()["secret"].startswith("whsec_") and rotated.json()["secret"] != created["secret"]
    assert AuditLog.objects.filter(action="webhook_secret_rotated").count() == 1


def test_deleting_an_endpoint_removes_it_and_its_log(api):
    endpoint_id = create(api).json()["id"]
    response = api.client.delete(f"/api/v1/webhook-endpoints/{endpoint_id}", headers=api.headers)
    assert response.status_code == 204
    assert not WebhookEndpoint.objects.exists()
    assert AuditLog.objects.filter(action="webhook_endpoint_deleted").count() == 1
    again = api.client.delete(f"/api/v1/webhook-endpoints/{endpoint_id}", headers=api.headers)
    assert_problem(again, 404, "not_found")


def test_an_unknown_endpoint_is_not_found(api):
    assert_problem(
        api.get("/webhook-endpoints/00000000-0000-0000-0000-000000000000/deliveries"), 404, "not_found"
    )


@pytest.mark.usefixtures("allow_private")
def test_the_delivery_log_is_newest_first_and_paginated(api, receiver, tutor, match, package):
    from tests.factories import make_session

    endpoint, _ = make_endpoint(receiver.url, events=["session.status_updated"])
    for _ in range(3):
        session = make_session(match=match)
        update_status(session_id=session.id, status="done", actor=tutor)
    run_worker()
    first = api.get(f"/webhook-endpoints/{endpoint.id}/deliveries", {"limit": 2}).json()
    rest = api.get(
        f"/webhook-endpoints/{endpoint.id}/deliveries", {"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    items = first["items"] + rest["items"]
    assert rest["next_cursor"] is None
    assert len(items) == 3
    assert [i["created_at"] for i in items] == sorted((i["created_at"] for i in items), reverse=True)
    item = items[0]
    assert set(item) == {
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
        "attempts",
    }
    assert (item["event_type"], item["attempt"], item["status_code"], item["state"]) == (
        "session.status_updated",
        1,
        200,
        "succeeded",
    )
    assert item["duration_ms"] >= 0


@pytest.mark.usefixtures("allow_private")
def test_send_again_delivers_once_more_with_the_same_webhook_id(api, receiver, tutor, past_session):
    endpoint, _ = make_endpoint(receiver.url, events=["session.status_updated"])
    update_status(session_id=past_session.id, status="done", actor=tutor)
    run_worker()
    delivery = WebhookDelivery.objects.get()
    response = api.post(f"/webhook-endpoints/{endpoint.id}/deliveries/{delivery.id}/resend", key="again")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "pending"
    run_worker()
    assert [r.webhook_id for r in receiver.requests] == [str(delivery.event_id)] * 2
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("succeeded", 2)
    assert AuditLog.objects.filter(action="webhook_delivery_resent", entity_id=delivery.id).count() == 1
