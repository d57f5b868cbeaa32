"""Two series of one tutor booked at once, each on its own connection: never both win."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from tests.concurrency.conftest import race
from tests.factories import TutorFactory, make_match
from tutordesk.scheduling.clashes import Slot, find_clashes
from tutordesk.scheduling.models import Series, Session
from tutordesk.scheduling.series import clean_rule, series_create

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

BERLIN = ZoneInfo("Europe/Berlin")


def test_overlapping_series_of_one_tutor_racing_book_exactly_one():
    tutor = TutorFactory()
    matches = [make_match(tutor=tutor) for _ in range(6)]
    # Every series overlaps every other: Mondays from 16:00, each starting 10 minutes later.
    rules = [
        clean_rule(
            start_at=datetime(2083, 3, 1, 16, 0, tzinfo=BERLIN) + timedelta(minutes=10 * i),
            timezone="Europe/Berlin",
            count=10,
        )
        for i in range(len(matches))
    ]

    results = race(
        len(matches),
        lambda i: series_create(match_id=matches[i].id, rule=rules[i], duration_minutes=60, actor=tutor),
    )

    assert results.count("ok") == 1
    assert results.count("tutor_double_booked") == len(matches) - 1
    assert Series.objects.count() == 1
    booked = list(Session.objects.filter(tutor=tutor).order_by("scheduled_start_at"))
    assert len(booked) == 10
    # No two of the tutor's lessons overlap.
    slots = [Slot(s.scheduled_start_at, s.duration_minutes) for s in booked]
    assert find_clashes(tutor_id=tutor.id, slots=slots, exclude=[s.id for s in booked]) == []
    assert all(a.scheduled_end_at <= b.scheduled_start_at for a, b in pairwise(booked))
