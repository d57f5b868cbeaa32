"""CONTRACT §14 outcome nudge: a lesson still `scheduled` TUTORDESK_OUTCOME_NUDGE after its end
emails its tutor; one per lesson, at most one email per tutor an hour, listing every lesson of
theirs then waiting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import make_session
from tests.helpers import update_status
from tests.reminders.conftest import work_at
from tutordesk.events.models import EmailKind, EmailNotification, NotificationPreference
from tutordesk.reminders.models import Reminder, ReminderKind, ReminderState

pytestmark = pytest.mark.django_db


def nudges():
    return list(EmailNotification.objects.filter(kind=EmailKind.OUTCOME_NUDGE).order_by("created_at"))


def lessons_in(email) -> list[str]:
    return sorted(lesson["session"]["id"] for lesson in email.event.data["lessons"])


@pytest.fixture
def t0():
    return timezone.now().replace(microsecond=0) + timedelta(days=1)


def test_a_lesson_without_an_outcome_two_hours_after_its_end_nudges_its_tutor_once(match, package, tutor, t0):
    session = make_session(match=match, scheduled_start_at=t0)
    work_at(timezone.now())
    work_at(t0 + timedelta(hours=2, minutes=59))  # ends at +1h: not yet
    assert nudges() == []
    work_at(t0 + timedelta(hours=3))
    work_at(t0 + timedelta(hours=5))
    [email] = nudges()
    assert email.recipient == tutor.email and lessons_in(email) == [str(session.id)]
    assert "1 lesson waiting" in email.subject and match.request.subject in email.body_text


def test_lessons_waiting_together_go_in_one_email_and_a_tutor_gets_at_most_one_an_hour(
    match, package, tutor, t0
):
    def half_hour_lesson(after: timedelta):
        return make_session(match=match, scheduled_start_at=t0 + after, duration_minutes=30)

    first = half_hour_lesson(timedelta(0))  # its nudge is due at +2h30
    second = half_hour_lesson(timedelta(hours=1))  # +3h30
    third = half_hour_lesson(timedelta(hours=1, minutes=45))  # +4h15
    work_at(timezone.now())
    work_at(t0 + timedelta(hours=3, minutes=30))  # the first two wait: one email lists both
    [both] = nudges()
    assert lessons_in(both) == sorted([str(first.id), str(second.id)])
    work_at(t0 + timedelta(hours=4, minutes=15))  # the third is due, but the last email is 45 min old
    work_at(t0 + timedelta(hours=4, minutes=29))
    assert len(nudges()) == 1
    work_at(t0 + timedelta(hours=4, minutes=30))  # an hour after the last one
    assert [lessons_in(e) for e in nudges()] == [lessons_in(both), [str(third.id)]]
    work_at(t0 + timedelta(hours=9))
    assert len(nudges()) == 2  # one per lesson


def test_no_nudge_for_a_lesson_whose_outcome_was_recorded(match, package, tutor, t0):
    session = make_session(match=match, scheduled_start_at=timezone.now() - timedelta(hours=1, minutes=30))
    work_at(timezone.now())
    update_status(session_id=session.id, status="done", actor=tutor)
    work_at(timezone.now() + timedelta(hours=3))
    assert nudges() == []
    assert Reminder.objects.get(session=session, kind=ReminderKind.NUDGE).state == ReminderState.NOT_SCHEDULED


def test_a_tutor_who_switched_nudges_off_gets_none(match, package, tutor, t0):
    NotificationPreference.objects.create(user=tutor, nudge_emails=False)
    make_session(match=match, scheduled_start_at=t0)
    work_at(timezone.now())
    work_at(t0 + timedelta(hours=4))
    assert nudges() == []
