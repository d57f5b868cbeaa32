"""Exponential backoff: the first retry within 30 s, growing, over at least 24 hours in all;
then the delivery is `failed`, and visible."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api.conftest import ApiClient, token_for
from tests.events.conftest import make_endpoint, run_until_settled, run_worker
from tests.helpers import update_status
from tutordesk.events.models import WebhookDelivery
from tutordesk.events.schedule import MAX_ATTEMPTS, retry_delay, retry_delays


def test_the_first_retry_comes_within_30_seconds():
    assert retry_delay(1) <= timedelta(seconds=30)


def test_the_delays_grow():
    delays = retry_delays()
    assert delays == sorted(delays)
    assert delays[-1] > delays[0] * 100


def test_the_retries_span_at_least_a_day():
    assert sum(retry_delays(), timedelta()) >= timedelta(hours=24)
    assert len(retry_delays()) == MAX_ATTEMPTS - 1


def test_a_huge_attempt_count_does_not_overflow():
    assert retry_delay(10_000) == retry_delays()[-1]


@pytest.mark.django_db
@pytest.mark.usefixtures("allow_private")
def test_a_delivery_that_keeps_failing_ends_failed_and_visible(receivers, tutor, admin, past_session):
    receiver = receivers(lambda request, before: 500)
    endpoint, _ = make_endpoint(receiver.url, events=["session.status_updated"])
    update_status(session_id=past_session.id, status="done", actor=tutor)
    run_worker()
    delivery = run_until_settled(WebhookDelivery.objects.get(endpoint=endpoint))

    assert delivery.state == "failed"
    assert delivery.attempts == MAX_ATTEMPTS
    assert len(receiver.requests) == MAX_ATTEMPTS
    assert len({r.webhook_id for r in receiver.requests}) == 1

    page = ApiClient(token_for(admin)).get(f"/webhook-endpoints/{endpoint.id}/deliveries").json()
    [item] = page["items"]
    assert item["state"] == "failed"
    assert item["attempt"] == MAX_ATTEMPTS
    assert item["status_code"] == 500
    assert item["next_attempt_at"] is None
    run_worker()  # nothing more is sent
    assert len(receiver.requests) == MAX_ATTEMPTS
