"""A worker killed with SIGKILL in the middle of a delivery loses nothing: once its claim runs
out, the restarted worker sends the event again, and it is delivered once, successfully."""

from __future__ import annotations

import signal
import time

import pytest

from tests.events.conftest import make_endpoint
from tests.events.workers import start_worker
from tests.helpers import update_status
from tutordesk.events.models import Event, WebhookDelivery

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("allow_private")]
TIMEOUT = 2  # seconds a request may take
LEASE = 5  # seconds a claim holds: at least the connect and read timeouts and a second


def wait_until(condition, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within} s: {what}")
        time.sleep(0.05)


def test_a_worker_killed_mid_delivery_loses_nothing(receivers, tutor, past_session):
    # The first request hangs (the worker is killed meanwhile); any later one succeeds.
    receiver = receivers(lambda request, before: (200, 60.0) if before == 0 else 200)
    make_endpoint(receiver.url, events=["session.status_updated"])
    update_status(session_id=past_session.id, status="done", actor=tutor)
    event = Event.objects.get(type="session.status_updated")

    first = start_worker("--lease", str(LEASE), timeout_seconds=TIMEOUT)
    try:
        wait_until(lambda: len(receiver.requests) == 1, 30, f"a first request\n{first.output()}")
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=5)
    finally:
        first.stop()
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "pending" and delivery.locked_until is not None  # its claim is left behind

    second = start_worker("--lease", str(LEASE), timeout_seconds=TIMEOUT)
    try:
        wait_until(lambda: WebhookDelivery.objects.get().state == "succeeded", 30, second.output())
    finally:
        second.stop()
    assert [r.webhook_id for r in receiver.requests] == [str(event.id)] * 2
    assert len(receiver.answered_ok()) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1  # the cut attempt never got an answer to record
    assert delivery.last_status_code == 200
