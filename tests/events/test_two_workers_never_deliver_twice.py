"""Several workers share the deliveries, and no delivery is ever sent by two at once (claims are
rows taken with FOR UPDATE SKIP LOCKED, or under SQLite's write lock, and held by a lease)."""

from __future__ import annotations

import time

import pytest

from tests.events.conftest import make_endpoint
from tests.events.workers import start_worker
from tests.factories import make_package, make_session
from tests.helpers import update_status
from tutordesk.events.models import Event, WebhookDelivery

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("allow_private")]
SESSIONS = 25


def test_two_workers_share_the_work_and_never_send_one_delivery_twice(receivers, tutor, match):
    make_package(request=match.request, sessions_total=SESSIONS)
    receiver = receivers(lambda request, before: (200, 0.05))
    make_endpoint(receiver.url, events=["session.created", "session.status_updated"])
    for _ in range(SESSIONS):
        session = make_session(match=match)
        update_status(session_id=session.id, status="done", actor=tutor)
    events = {str(e) for e in Event.objects.values_list("id", flat=True)}
    wanted = Event.objects.filter(type__in=["session.created", "session.status_updated"]).count()
    assert wanted == 2 * SESSIONS

    workers = [start_worker("--concurrency", "4") for _ in range(2)]
    try:
        deadline = time.monotonic() + 60
        while WebhookDelivery.objects.filter(state="succeeded").count() < wanted:
            assert time.monotonic() < deadline, [w.output()[-2000:] for w in workers]
            time.sleep(0.1)
        time.sleep(0.3)  # a stray second send would arrive now
    finally:
        for worker in workers:
            worker.stop()
        outputs = [worker.output() for worker in workers]

    ids = [r.webhook_id for r in receiver.requests]
    assert len(ids) == wanted
    assert len(set(ids)) == wanted  # each event once
    assert set(ids) <= events
    assert max(receiver.most_at_once.values()) == 1
    sent_by = [out.count("webhook session.") for out in outputs]
    assert sum(sent_by) == wanted
    assert all(count > 0 for count in sent_by), f"one worker did everything: {sent_by}"
