"""Deliveries follow Standard Webhooks: a receiver on 127.0.0.1 verifies each with the
`standardwebhooks` library and the endpoint's secret."""

from __future__ import annotations

import pytest
from django.db import transaction
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.events.conftest import make_endpoint, run_worker
from tests.helpers import update_status
from tutordesk.events.models import Event, WebhookDelivery
from tutordesk.events.services import webhook_endpoint_rotate_secret

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_private")]


def verifying(secrets: list[str]):
    """A receiver rule: 204 when one of `secrets` verifies the request, 400 otherwise."""

    def rule(request, before):
        for secret in secrets:
            try:
                Webhook(secret).verify(request.body, request.headers)
                return 204
            except WebhookVerificationError:
                continue
        return 400

    return rule


def test_it_signs_every_delivery_so_the_library_verifies_it(receivers, tutor, past_session, admin):
    secrets: list[str] = []
    receiver = receivers(verifying(secrets))
    endpoint, secret = make_endpoint(receiver.url)
    secrets.append(secret)
    assert secret.startswith("whsec_")

    update_status(session_id=past_session.id, status="done", actor=tutor)
    run_worker()

    [request] = receiver.requests
    assert request.status == 204
    event = Event.objects.get(type="session.status_updated")
    assert request.webhook_id == str(event.id)
    assert request.headers["webhook-signature"].startswith("v1,")
    assert request.headers["content-type"] == "application/json"
    body = Webhook(secret).verify(request.body, request.headers)
    assert body == {
        "type": "session.status_updated",
        "timestamp": event.created_at.isoformat(),
        "data": event.data,
    }
    assert WebhookDelivery.objects.get(endpoint=endpoint).state == "succeeded"


def test_it_sends_only_the_event_types_an_endpoint_asked_for(receiver, tutor, past_session):
    make_endpoint(receiver.url, events=["package.low_balance"])
    update_status(session_id=past_session.id, status="done", actor=tutor)  # 9 sessions left: no low balance
    run_worker()
    assert receiver.requests == []


def test_a_wrong_secret_does_not_verify(receivers, tutor, past_session):
    receiver = receivers(verifying(["whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="]))
    make_endpoint(receiver.url)
    update_status(session_id=past_session.id, status="done", actor=tutor)
    run_worker()
    assert [r.status for r in receiver.requests] == [400]


def test_after_a_rotation_both_secrets_verify_for_a_while(receivers, tutor, past_session, admin):
    old_secrets: list[str] = []
    old_receiver = receivers(verifying(old_secrets))
    endpoint, old = make_endpoint(old_receiver.url)
    old_secrets.append(old)
    with transaction.atomic():
        _, new = webhook_endpoint_rotate_secret(endpoint_id=endpoint.id, actor=admin)
    assert new != old
    update_status(session_id=past_session.id, status="done", actor=tutor)
    run_worker()
    [request] = old_receiver.requests
    assert request.status == 204  # the receiver that still has the old secret accepts it
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    Webhook(new).verify(request.body, request.headers)
