from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from tests.factories import end_match, make_session
from tests.helpers import snapshot, update_status
from tutordesk.core.errors import SessionNotStarted, TutorDoubleBooked, ValidationError
from tutordesk.scheduling.models import Session


@pytest.mark.parametrize("status", ["done", "no_show_student", "no_show_tutor"])
def test_an_outcome_cannot_precede_the_start(status, future_session, tutor):
    before = snapshot()
    with pytest.raises(SessionNotStarted):
        update_status(session_id=future_session.id, status=status, actor=tutor)
    assert snapshot() == before


def test_an_outcome_is_allowed_from_the_start_time_on(match, package, tutor):
    session = make_session(match=match, scheduled_start_at=timezone.now() - timedelta(seconds=1))
    assert update_status(session_id=session.id, status="done", actor=tutor).session.status == "done"


def test_a_future_session_can_be_rescheduled(future_session, tutor):
    change = update_status(session_id=future_session.id, status="rescheduled", actor=tutor)
    assert change.session.status == "rescheduled"
    assert change.replacement_session is None


def test_reschedule_with_a_new_time_creates_a_linked_replacement(future_session, tutor):
    new_start = timezone.now() + timedelta(days=3)
    change = update_status(
        session_id=future_session.id, status="rescheduled", actor=tutor, new_start_at=new_start
    )
    replacement = Session.objects.get(pk=change.replacement_session.id)
    assert replacement.rescheduled_from_id == future_session.id
    assert replacement.status == "scheduled"
    assert replacement.scheduled_start_at == new_start
    assert replacement.match_id == future_session.match_id
    assert replacement.duration_minutes == future_session.duration_minutes
    assert replacement.meet_link == future_session.meet_link
    assert (replacement.tutor_id, replacement.student_id, replacement.request_id) == (
        future_session.tutor_id,
        future_session.student_id,
        future_session.request_id,
    )
    assert replacement.package_id is None


def test_reschedule_accepts_any_utc_offset(future_session, tutor):
    new_start = (timezone.now() + timedelta(days=2)).astimezone(timezone.get_fixed_timezone(-300))
    change = update_status(
        session_id=future_session.id, status="rescheduled", actor=tutor, new_start_at=new_start
    )
    assert change.replacement_session.scheduled_start_at == new_start


@pytest.mark.parametrize(
    "status,new_start_at",
    [
        ("rescheduled", datetime(2030, 1, 1, 10, 0)),  # naive
        ("rescheduled", datetime(2001, 1, 1, 10, 0, tzinfo=UTC)),  # the past
        ("done", datetime(2030, 1, 1, 10, 0, tzinfo=UTC)),  # only with rescheduled
    ],
)
def test_a_bad_new_time_changes_nothing(status, new_start_at, past_session, tutor):
    before = snapshot()
    with pytest.raises(ValidationError):
        update_status(session_id=past_session.id, status=status, actor=tutor, new_start_at=new_start_at)
    assert snapshot() == before


def test_a_replacement_may_not_double_book_the_tutor(future_session, match, tutor):
    busy = make_session(match=match, scheduled_start_at=timezone.now() + timedelta(days=5))
    before = snapshot()
    with pytest.raises(TutorDoubleBooked):
        update_status(
            session_id=future_session.id,
            status="rescheduled",
            actor=tutor,
            new_start_at=busy.scheduled_start_at + timedelta(minutes=30),
        )
    assert snapshot() == before


def test_a_replacement_needs_an_active_match(future_session, tutor):
    end_match(future_session.match)
    with pytest.raises(ValidationError) as info:
        update_status(
            session_id=future_session.id,
            status="rescheduled",
            actor=tutor,
            new_start_at=timezone.now() + timedelta(days=3),
        )
    assert info.value.context == {"field": "new_start_at", "reason": "match_ended"}
