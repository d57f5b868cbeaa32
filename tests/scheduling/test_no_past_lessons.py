"""No lesson in the past by accident (CONTRACT §12): a tutor cannot schedule one that has already
started; an admin may back-fill one. The rule sits in the one creation path (`new_session`), so
every way a lesson comes to be inherits it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction

from tests.factories import AdminFactory, TutorFactory, make_session
from tests.helpers import snapshot
from tutordesk.core import clock
from tutordesk.core.errors import ValidationError
from tutordesk.scheduling import matches as matches_module
from tutordesk.scheduling.matches import match_reassign
from tutordesk.scheduling.services import new_session, session_create

pytestmark = pytest.mark.django_db


def create(**kwargs):
    with transaction.atomic():
        return session_create(duration_minutes=60, **kwargs)


@pytest.mark.parametrize("ago", [timedelta(seconds=0), timedelta(seconds=1), timedelta(days=30)])
def test_a_tutor_cannot_schedule_a_lesson_that_has_started(match, tutor, ago):
    now = clock.now()
    before = snapshot()
    with clock.at(now), pytest.raises(ValidationError) as refused:
        create(match_id=match.id, scheduled_start_at=now - ago, actor=tutor)
    assert refused.value.context == {"field": "scheduled_start_at", "reason": "in_past"}
    assert snapshot() == before


def test_a_tutor_schedules_one_a_moment_ahead(match, tutor):
    now = clock.now()
    with clock.at(now):
        session = create(match_id=match.id, scheduled_start_at=now + timedelta(seconds=1), actor=tutor)
    assert session.status == "scheduled"


def test_an_admin_back_fills_a_past_lesson(match, admin):
    start = clock.now() - timedelta(days=2)
    session = create(match_id=match.id, scheduled_start_at=start, actor=admin)
    assert session.scheduled_start_at == start


def test_an_admin_may_still_be_held_to_the_future(match, admin):
    with pytest.raises(ValidationError):
        create(
            match_id=match.id,
            scheduled_start_at=clock.now() - timedelta(hours=1),
            actor=admin,
            allow_past=False,
        )


def test_the_past_is_checked_before_the_tutors_time(match, tutor, admin):
    """A past start that would also clash is refused for being past, not as a double booking."""
    start = clock.now() - timedelta(hours=3)
    create(match_id=match.id, scheduled_start_at=start, actor=admin)
    with pytest.raises(ValidationError):
        create(match_id=match.id, scheduled_start_at=start, actor=tutor)


def test_the_one_creation_path_refuses_the_past_unless_told(match, admin):
    with transaction.atomic(), pytest.raises(ValidationError) as refused:
        new_session(
            match=match,
            student_id=match.request.student_id,
            start=clock.now() - timedelta(minutes=5),
            duration_minutes=60,
            meet_link=None,
            actor=admin,
        )
    assert refused.value.context["field"] == "scheduled_start_at"


def test_a_reassignment_still_moves_a_lesson_that_starts_while_it_runs(match, monkeypatch):
    """The lessons to move are chosen as not yet started; one that starts between that choice and
    its copy under the new tutor moves all the same instead of refusing the whole reassignment."""
    admin, otto = AdminFactory(), TutorFactory()
    now = clock.now()
    lesson = make_session(match=match, scheduled_start_at=now + timedelta(minutes=5))
    ensure_tutor_free = matches_module.ensure_tutor_free
    started = []

    def then_the_lesson_starts(**kwargs):
        ensure_tutor_free(**kwargs)
        started.append(clock._frozen.set(lesson.scheduled_start_at + timedelta(seconds=1)))

    monkeypatch.setattr(matches_module, "ensure_tutor_free", then_the_lesson_starts)
    with clock.at(now):
        try:
            with transaction.atomic():
                done = match_reassign(match_id=match.id, tutor_id=otto.id, reason="Tara left", actor=admin)
        finally:
            for token in started:
                clock._frozen.reset(token)

    assert started  # the lesson did start while the reassignment ran
    [(old, new)] = done.moved
    assert old.id == lesson.id and new.scheduled_start_at == lesson.scheduled_start_at
    assert new.status == "scheduled" and new.match.tutor_id == otto.id
