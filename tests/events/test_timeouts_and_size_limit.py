"""Every request has a timeout, an answer is read only up to a size limit, and a redirect is not
followed (it would go somewhere unchecked): each is a failed attempt, retried like any other."""

from __future__ import annotations

import pytest

from tests.events.conftest import make_endpoint, run_worker
from tests.helpers import update_status
from tutordesk.events import http
from tutordesk.events.models import WebhookAttempt, WebhookDelivery
from tutordesk.events.worker import deliver_due, dispatch_events, minimum_lease

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_private")]


def test_a_receiver_slower_than_the_timeout_is_a_failed_attempt(receivers, tutor, past_session):
    receiver = receivers(lambda request, before: (200, 5.0))
    make_endpoint(receiver.url, events=["session.status_updated"])
    update_status(session_id=past_session.id, status="done", actor=tutor)
    dispatch_events()
    deliver_due(timeout=1)
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert "timed out" in attempt.error
    assert attempt.duration_ms < 3000
    assert WebhookDelivery.objects.get().state == "pending"


def test_a_long_answer_is_cut_at_the_limit(receivers, tutor, past_session):
    huge = b"x" * (http.MAX_RESPONSE_BYTES * 8)
    receiver = receivers(lambda request, before: (200, 0.0, huge))
    make_endpoint(receiver.url, events=["session.status_updated"])
    update_status(session_id=past_session.id, status="done", actor=tutor)
    run_worker()
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code == 200
    assert len(attempt.response_body) == http.MAX_RESPONSE_BYTES


def test_a_redirect_is_not_followed(receivers, tutor, past_session):
    receiver = receivers(lambda request, before: 302)
    make_endpoint(receiver.url, events=["session.status_updated"])
    update_status(session_id=past_session.id, status="done", actor=tutor)
    run_worker()
    assert len(receiver.requests) == 1
    assert WebhookAttempt.objects.get().status_code == 302
    assert WebhookDelivery.objects.get().state == "pending"


def test_a_refused_connection_is_a_failed_attempt(settings, tutor, past_session):
    make_endpoint("http://127.0.0.1:9/closed")  # the discard port: nothing listens there
    update_status(session_id=past_session.id, status="done", actor=tutor)
    run_worker()
    attempt = WebhookAttempt.objects.filter(delivery__event__type="session.status_updated").get()
    assert attempt.status_code is None
    assert attempt.error


def test_a_request_that_could_not_finish_inside_the_claim_is_not_started(receivers, tutor, match, package):
    from tests.factories import make_session

    receiver = receivers(lambda request, before: (200, 5.0))
    make_endpoint(receiver.url, events=["session.status_updated"])
    for _ in range(2):
        update_status(session_id=make_session(match=match).id, status="done", actor=tutor)
    dispatch_events()
    # a 1 s timeout and the shortest lease: the second request, sent one after the other, would
    # start when the first had timed out, too late to finish before the claim runs out
    deliver_due(timeout=1, lease=minimum_lease(1))
    assert len(receiver.requests) == 1
    tried, untouched = sorted(WebhookDelivery.objects.all(), key=lambda d: -d.attempts)
    assert tried.attempts == 1
    assert (untouched.attempts, untouched.locked_until, untouched.claim_token) == (0, None, None)
