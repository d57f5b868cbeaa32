"""`scheduling.clashes`: every proposed lesson is checked against the tutor's scheduled lessons and
against the other proposed lessons, and every clash is listed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tests.factories import make_session
from tests.helpers import bring_to_status
from tutordesk.core.errors import TutorDoubleBooked
from tutordesk.scheduling.clashes import Slot, ensure_tutor_free, find_clashes

pytestmark = pytest.mark.django_db


def test_every_clash_is_listed_with_booked_lessons_and_between_proposed_ones(match):
    base = (timezone.now() + timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    booked = make_session(match=match, scheduled_start_at=base)
    other_booked = make_session(match=match, scheduled_start_at=base + timedelta(days=1))
    slots = [
        Slot(base - timedelta(minutes=30), 60),  # overlaps `booked`'s first half hour
        Slot(base + timedelta(days=1, minutes=59), 30),  # the last minute of `other_booked`
        Slot(base + timedelta(days=2), 60),  # free
        Slot(base + timedelta(days=2, minutes=30), 60),  # overlaps the slot before it
        Slot(base + timedelta(hours=1), 60),  # starts as `booked` ends: free
    ]
    clashes = find_clashes(tutor_id=match.tutor_id, slots=slots)
    assert [(c.scheduled_start_at, c.conflicting_session_id, c.conflicting_start_at) for c in clashes] == [
        (slots[0].start, booked.id, booked.scheduled_start_at),
        (slots[1].start, other_booked.id, other_booked.scheduled_start_at),
        (slots[3].start, None, slots[2].start),
    ]


def test_a_session_being_moved_and_a_session_off_the_schedule_do_not_clash(match):
    start = timezone.now() + timedelta(days=3)
    moving = make_session(match=match, scheduled_start_at=start)
    cancelled = bring_to_status(
        make_session(match=match, scheduled_start_at=start + timedelta(hours=3)), "rescheduled"
    )
    assert find_clashes(tutor_id=match.tutor_id, slots=[Slot(start, 60)], exclude=[moving.id]) == []
    assert find_clashes(tutor_id=match.tutor_id, slots=[Slot(cancelled.scheduled_start_at, 60)]) == []


def test_the_refusal_lists_every_clash_and_names_the_first(match):
    start = (timezone.now() + timedelta(days=5)).replace(microsecond=0)
    booked = make_session(match=match, scheduled_start_at=start)
    slots = [Slot(start, 60), Slot(start + timedelta(minutes=15), 30)]
    with pytest.raises(TutorDoubleBooked) as refused, transaction.atomic():
        ensure_tutor_free(tutor_id=match.tutor_id, slots=slots)
    context = refused.value.context
    assert context["conflicting_session_id"] == str(booked.id)
    assert context["conflicts"] == [
        {
            "scheduled_start_at": start.isoformat(),
            "conflicting_session_id": str(booked.id),
            "conflicting_start_at": start.isoformat(),
        },
        {
            "scheduled_start_at": slots[1].start.isoformat(),
            "conflicting_session_id": str(booked.id),
            "conflicting_start_at": start.isoformat(),
        },
        {
            "scheduled_start_at": slots[1].start.isoformat(),
            "conflicting_session_id": None,
            "conflicting_start_at": start.isoformat(),
        },
    ]
