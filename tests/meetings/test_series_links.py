"""Every occurrence of a series gets its link as a lone booking does (CONTRACT §12, §13)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.meetings.conftest import atomic
from tutordesk.meetings.models import LinkState, MeetingLink
from tutordesk.scheduling.series import clean_rule, series_create

pytestmark = pytest.mark.django_db
ROOM = re.compile(r"^https://meet\.jit\.si/Tutordesk-[A-Za-z0-9_-]{24}$")


def test_each_lesson_of_a_series_gets_its_own_jitsi_room(jitsi, match, admin):
    rule = clean_rule(start_at=datetime(2087, 3, 3, 15, 0, tzinfo=UTC), timezone="Europe/Berlin", count=4)
    made = atomic(series_create, match_id=match.id, rule=rule, duration_minutes=60, actor=admin)
    links = [s.meet_link for s in made.sessions]
    assert all(ROOM.match(link) for link in links) and len(set(links)) == 4
    rows = MeetingLink.objects.filter(session_id__in=[s.id for s in made.sessions])
    assert {(row.provider, row.state) for row in rows} == {("jitsi", LinkState.READY)}
    assert rows.count() == 4


def test_a_typed_link_goes_to_every_lesson_of_a_series(jitsi, match, admin):
    rule = clean_rule(start_at=datetime(2087, 3, 3, 15, 0, tzinfo=UTC), timezone="Europe/Berlin", count=3)
    made = atomic(
        series_create,
        match_id=match.id,
        rule=rule,
        duration_minutes=60,
        actor=admin,
        meet_link="https://meet.example.com/term",
    )
    assert {s.meet_link for s in made.sessions} == {"https://meet.example.com/term"}
    assert not MeetingLink.objects.exists()
