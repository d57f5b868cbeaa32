"""A receiver that fails N times then succeeds gets exactly one successful delivery per event,
and every attempt carries the event's id as `webhook-id`."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.events.conftest import make_endpoint, run_until_settled, run_worker
from tests.factories import make_session
from tests.helpers import update_status
from tutordesk.events.models import Event, WebhookAttempt, WebhookDelivery
from tutordesk.events.schedule import retry_delay

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_private")]
FAILURES = 3


def test_it_retries_until_the_receiver_answers_2xx_then_stops(receivers, tutor, match, package):
    receiver = receivers(lambda request, before: 503 if before < FAILURES else 200)
    endpoint, _ = make_endpoint(receiver.url, events=["session.status_updated"])
    sessions = [make_session(match=match) for _ in range(3)]
    for session in sessions:
        update_status(session_id=session.id, status="done", actor=tutor)

    run_worker()
    for delivery in WebhookDelivery.objects.filter(endpoint=endpoint):
        run_until_settled(delivery)

    events = list(Event.objects.filter(type="session.status_updated"))
    assert len(events) == 3
    for event in events:
        requests = receiver.for_id(str(event.id))
        assert [r.status for r in requests] == [503] * FAILURES + [200]
        assert {r.body for r in requests} == {requests[0].body}  # the same event each time
    assert len(receiver.answered_ok()) == 3
    for delivery in WebhookDelivery.objects.filter(endpoint=endpoint):
        assert delivery.state == "succeeded"
        assert delivery.attempts == FAILURES + 1
        assert delivery.next_attempt_at is None
        attempts = list(WebhookAttempt.objects.filter(delivery=delivery).order_by("number"))
        assert [a.status_code for a in attempts] == [503, 503, 503, 200]
        assert [a.number for a in attempts] == [1, 2, 3, 4]


def test_a_failed_attempt_is_tried_again_after_the_schedule_s_delay(receivers, tutor, past_session):
    receiver = receivers(lambda request, before: 500)
    endpoint, _ = make_endpoint(receiver.url, events=["session.status_updated"])
    update_status(session_id=past_session.id, status="done", actor=tutor)
    run_worker()
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.state == "pending"
    assert delivery.last_status_code == 500
    assert delivery.last_attempt_at is not None
    assert delivery.next_attempt_at - delivery.last_attempt_at == pytest.approx(
        retry_delay(1), abs=timedelta(seconds=2)
    )
    run_worker()  # not due yet: nothing sent
    assert len(receiver.requests) == 1
