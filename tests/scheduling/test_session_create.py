from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tests.factories import end_match
from tests.helpers import snapshot
from tutordesk.audit.models import AuditLog
from tutordesk.core.errors import Forbidden, NotFound, TutorDoubleBooked, ValidationError
from tutordesk.scheduling.services import session_create


def create(**kwargs):
    with transaction.atomic():
        return session_create(**kwargs)


@pytest.fixture
def start():
    return (timezone.now() + timedelta(days=2)).replace(microsecond=0)


def test_the_tutor_schedules_a_session_for_their_match(match, tutor, start):
    session = create(match_id=match.id, scheduled_start_at=start, duration_minutes=60, actor=tutor)
    assert session.status == "scheduled"
    assert (session.tutor_id, session.student_id, session.request_id) == (
        match.tutor_id,
        match.request.student_id,
        match.request_id,
    )
    row = AuditLog.objects.get(entity_id=session.id)
    assert row.action == "session_created" and row.actor_id == tutor.id


def test_an_admin_schedules_for_any_match(match, admin, start):
    session = create(
        match_id=match.id,
        scheduled_start_at=start,
        duration_minutes=45,
        actor=admin,
        meet_link="https://x.test/a",
    )
    assert session.meet_link == "https://x.test/a"


def test_another_tutor_cannot_see_the_match(match, other_tutor, start):
    with pytest.raises(NotFound):
        create(match_id=match.id, scheduled_start_at=start, duration_minutes=60, actor=other_tutor)


def test_the_student_may_not_schedule(match, student, start):
    with pytest.raises(Forbidden):
        create(match_id=match.id, scheduled_start_at=start, duration_minutes=60, actor=student)


def test_an_ended_match_takes_no_sessions(match, tutor, start):
    end_match(match)
    with pytest.raises(ValidationError) as info:
        create(match_id=match.id, scheduled_start_at=start, duration_minutes=60, actor=tutor)
    assert info.value.context == {"field": "match_id", "reason": "match_ended"}


@pytest.mark.parametrize(
    "offset_minutes,duration,overlaps",
    [
        (0, 60, True),
        (30, 60, True),
        (-30, 60, True),
        (-59, 60, True),
        (60, 60, False),
        (-60, 60, False),
        (-240, 240, False),
        (-239, 240, True),
    ],
)
def test_overlap_with_the_same_tutor_is_refused(match, tutor, start, offset_minutes, duration, overlaps):
    create(match_id=match.id, scheduled_start_at=start, duration_minutes=60, actor=tutor)
    kwargs = dict(
        match_id=match.id,
        scheduled_start_at=start + timedelta(minutes=offset_minutes),
        duration_minutes=duration,
        actor=tutor,
    )
    if overlaps:
        before = snapshot()
        with pytest.raises(TutorDoubleBooked):
            create(**kwargs)
        assert snapshot() == before
    else:
        create(**kwargs)


@pytest.mark.parametrize(
    "field,value",
    [
        ("duration_minutes", 14),
        ("duration_minutes", 241),
        ("duration_minutes", "60"),
        ("duration_minutes", True),
        ("scheduled_start_at", datetime(2030, 1, 1, 9, 0)),
        ("scheduled_start_at", "2030-01-01T09:00:00Z"),
        ("meet_link", "http://meet.example.com/x"),
        ("meet_link", "javascript:alert(1)"),
        ("meet_link", "https://" + "a" * 500 + ".test"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(match, tutor, start, field, value):
    kwargs = dict(match_id=match.id, scheduled_start_at=start, duration_minutes=60, actor=tutor)
    kwargs[field] = value
    before = snapshot()
    with pytest.raises(ValidationError):
        create(**kwargs)
    assert snapshot() == before


def test_an_unknown_match_is_not_found(tutor, start):
    with pytest.raises(NotFound):
        create(match_id="nope", scheduled_start_at=start, duration_minutes=60, actor=tutor)
