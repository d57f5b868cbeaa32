"""The lock order (docs/architecture.md) cannot deadlock: a booking racing status updates and
corrections on sessions of the same request and tutor. Before rows were locked FOR NO KEY UPDATE,
a booking (tutor row locked, then the request's key share at COMMIT) and a reschedule (request row
locked, then the tutor's) aborted each other with `deadlock detected`; 25 such pairs sent at once
gave 22 deadlocks. `race` runs each change in a plain transaction, without the retries of
core.db.run_in_transaction, so a deadlock here fails the test instead of being retried away."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.concurrency.conftest import race
from tests.factories import AdminFactory, make_match, make_package, make_session
from tests.helpers import update_status
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.services import session_correct_status, session_create, session_update_status

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

PAIRS = 25


def test_bookings_racing_reschedules_and_corrections_of_one_request_never_deadlock():
    match = make_match()
    make_package(request=match.request, sessions_total=50)
    tutor, admin = match.tutor, AdminFactory()
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    # Past sessions to reschedule, and recorded ones to correct back to scheduled.
    to_reschedule = [
        make_session(match=match, scheduled_start_at=now - timedelta(days=1, hours=i)) for i in range(PAIRS)
    ]
    to_correct = [
        make_session(match=match, scheduled_start_at=now - timedelta(days=3, hours=i)) for i in range(PAIRS)
    ]
    for session in to_correct:
        update_status(session_id=session.id, status="no_show_tutor", actor=tutor)

    def work(i: int) -> None:
        kind, n = divmod(i, PAIRS)
        if kind == 0:  # a new booking for the same tutor and request
            session_create(
                match_id=match.id,
                scheduled_start_at=now + timedelta(days=10, hours=n),
                duration_minutes=60,
                actor=tutor,
            )
        elif kind == 1:  # a reschedule: locks the request, then the tutor for the new time
            session_update_status(
                session_id=to_reschedule[n].id,
                status="rescheduled",
                new_start_at=now + timedelta(days=20, hours=n),
                actor=tutor,
            )
        else:  # a correction back to scheduled: locks the request, then the tutor
            session_correct_status(
                session_id=to_correct[n].id, status="scheduled", reason="Wrong button", actor=admin
            )

    results = race(3 * PAIRS, work)

    assert results == ["ok"] * (3 * PAIRS)
    assert Session.objects.filter(rescheduled_from__isnull=False).count() == PAIRS
    assert Session.objects.filter(scheduled_start_at__gte=now + timedelta(days=10)).count() == 2 * PAIRS
