"""A reassignment racing the changes that touch the same lessons and tutors never deadlocks and
never leaves a lesson behind: reschedules of the match's upcoming lessons (a lesson, then its
request, then the tutor), bookings of the new tutor (the tutor's row), and a reassignment the other
way round (the other match's lessons, its request, then this match's tutor). `race` runs each
change without the retries of core.db.run_in_transaction, so a deadlock fails the test."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.concurrency.conftest import race
from tests.factories import AdminFactory, TutorFactory, make_match, make_package, make_session
from tutordesk.scheduling.matches import match_reassign
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.services import session_create, session_update_status
from tutordesk.tutoring.models import Match

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

LESSONS = 8


def test_a_reassignment_racing_reschedules_bookings_and_the_reverse_reassignment_never_deadlocks():
    admin, tara, otto = AdminFactory(), TutorFactory(), TutorFactory()
    match, other = make_match(tutor=tara), make_match(tutor=otto)
    make_package(request=match.request, sessions_total=20)
    soon = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    lessons = [
        make_session(match=match, scheduled_start_at=soon + timedelta(hours=2 * i)) for i in range(LESSONS)
    ]
    for i in range(LESSONS):  # otto's own lessons, at other hours
        make_session(match=other, scheduled_start_at=soon + timedelta(days=3, hours=2 * i))
    otto_booking = make_match(tutor=otto)

    def work(i: int) -> None:
        if i == 0:
            match_reassign(match_id=match.id, tutor_id=otto.id, reason="Tara left", actor=admin)
        elif i == 1:
            match_reassign(match_id=other.id, tutor_id=tara.id, reason="Swap", actor=admin)
        elif i < 2 + LESSONS:  # each of tara's lessons moved a week later by hand
            lesson = lessons[i - 2]
            session_update_status(
                session_id=lesson.id,
                status="rescheduled",
                new_start_at=lesson.scheduled_start_at + timedelta(days=7),
                actor=admin,
            )
        else:  # bookings of otto at other hours
            session_create(
                match_id=otto_booking.id,
                scheduled_start_at=soon + timedelta(days=10, hours=2 * (i - 2 - LESSONS)),
                duration_minutes=60,
                actor=admin,
            )

    results = race(2 + 2 * LESSONS, work)

    assert set(results) <= {"ok", "invalid_transition", "tutor_double_booked"}, results
    assert results[0] == "ok" and results[1] == "ok"
    # Nothing of either ended match is left on the schedule in the future.
    for ended in (match, other):
        ended.refresh_from_db()
        assert ended.status == "ended"
        assert not Session.objects.filter(
            match=ended, status="scheduled", scheduled_start_at__gt=timezone.now()
        ).exists()
    # Each of tara's lessons ended up once on the new match's schedule, at its old or its new time.
    new = Match.objects.get(request=match.request, status="active")
    assert new.tutor_id == otto.id
    assert Session.objects.filter(match=new, status="scheduled").count() == LESSONS
