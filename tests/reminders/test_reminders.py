"""CONTRACT §14 reminders, with the worker run in this process at chosen instants (no sleeping):
who gets one, when, what it says, and that each (lesson, offset, person) gets exactly one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import UserFactory, make_session
from tests.helpers import update_status
from tests.reminders.conftest import work_at
from tutordesk.accounts.models import Guardianship, Role
from tutordesk.events.models import EmailKind, EmailNotification, NotificationPreference
from tutordesk.reminders.models import Reminder, ReminderKind, ReminderState

pytestmark = pytest.mark.django_db


def reminder_emails(**filters):
    return EmailNotification.objects.filter(kind=EmailKind.REMINDER, **filters)


def lesson(match, *, hours_ahead: float = 48, **kwargs):
    start = timezone.now().replace(microsecond=0) + timedelta(hours=hours_ahead)
    return make_session(match=match, scheduled_start_at=start, **kwargs)


def test_each_offset_emails_the_student_the_guardians_and_the_tutor_once(
    smtp, match, package, tutor, student, guardian
):
    student.timezone = "Europe/Berlin"
    student.save(update_fields=["timezone"])
    session = lesson(match)
    start = session.scheduled_start_at

    work_at(timezone.now())  # the booking's event is fanned out: its reminders are planned
    assert reminder_emails().count() == 0
    work_at(start - timedelta(hours=24))
    work_at(start - timedelta(hours=24, minutes=-5))  # a second round finds it done
    assert sorted(m.recipients[0] for m in smtp.reminders()) == sorted(
        [tutor.email, student.email, guardian.email]
    )

    work_at(start - timedelta(hours=1))
    assert len(smtp.reminders()) == 6
    assert reminder_emails().count() == 6
    assert {(e.recipient, e.event.data["reminder"]["offset"]) for e in reminder_emails()} == {
        (person.email, offset) for person in (tutor, student, guardian) for offset in ("24h", "1h")
    }
    assert set(Reminder.objects.filter(kind=ReminderKind.REMINDER).values_list("state", flat=True)) == {
        ReminderState.SENT
    }


def test_a_reminder_names_the_other_party_the_local_time_the_link_and_attaches_the_lesson(
    smtp, match, package, tutor, student
):
    student.timezone = "Europe/Berlin"
    student.save(update_fields=["timezone"])
    session = lesson(match)
    work_at(timezone.now())
    work_at(session.scheduled_start_at - timedelta(hours=1))

    [to_student] = [m for m in smtp.reminders() if student.email in m.recipients]
    [to_tutor] = [m for m in smtp.reminders() if tutor.email in m.recipients]
    assert to_student.kind == "reminder"
    assert tutor.name in to_student.subject and match.request.subject in to_student.subject
    assert student.name in to_tutor.subject
    local = session.scheduled_start_at.astimezone(timezone.get_fixed_timezone(0))
    assert "CET" in to_student.text() or "CEST" in to_student.text()
    assert "UTC" in to_tutor.text() and f"{local:%H:%M}" in to_tutor.text()
    assert session.meet_link in to_student.text()
    ics = to_student.attachments()["lesson.ics"]
    assert f"UID:{session.id}@tutordesk" in ics
    assert f"DTSTART:{local:%Y%m%dT%H%M%S}Z" in ics
    assert to_student.message["Content-Type"].startswith("multipart/mixed")


def test_nothing_is_sent_for_a_lesson_no_longer_scheduled(match, package, tutor):
    session = lesson(match)
    work_at(timezone.now())
    update_status(session_id=session.id, status="rescheduled", actor=tutor)  # taken off the schedule
    work_at(session.scheduled_start_at - timedelta(hours=24))
    work_at(session.scheduled_start_at - timedelta(hours=1))
    assert reminder_emails().count() == 0
    assert set(
        Reminder.objects.filter(session=session, kind=ReminderKind.REMINDER).values_list("state", flat=True)
    ) == {ReminderState.NOT_SCHEDULED}


def test_a_replacement_gets_its_own_reminders(match, package, tutor):
    session = lesson(match)
    work_at(timezone.now())
    change = update_status(
        session_id=session.id,
        status="rescheduled",
        new_start_at=session.scheduled_start_at + timedelta(days=2),
        actor=tutor,
    )
    replacement = change.replacement_session
    work_at(timezone.now())
    work_at(session.scheduled_start_at - timedelta(hours=1))
    assert reminder_emails().count() == 0
    work_at(replacement.scheduled_start_at - timedelta(hours=1))
    assert {e.event.data["session"]["id"] for e in reminder_emails()} == {str(replacement.id)}
    assert reminder_emails().count() == 2  # the student and the tutor


def test_a_reminder_the_worker_reaches_more_than_15_minutes_late_is_skipped_not_sent(match, package):
    session = lesson(match)
    work_at(timezone.now())
    work_at(session.scheduled_start_at - timedelta(hours=24) + timedelta(minutes=16))  # an outage
    assert reminder_emails().count() == 0
    row = Reminder.objects.get(session=session, kind=ReminderKind.REMINDER, offset_minutes=24 * 60)
    assert row.state == ReminderState.SKIPPED_LATE
    work_at(session.scheduled_start_at - timedelta(hours=1) + timedelta(minutes=15))  # just in time
    assert {e.event.data["reminder"]["offset"] for e in reminder_emails()} == {"1h"}


def test_a_lesson_booked_30_minutes_ahead_gets_no_reminder(match, package):
    session = lesson(match, hours_ahead=0.5)
    work_at(timezone.now())
    work_at(session.scheduled_start_at)
    assert reminder_emails().count() == 0
    assert set(
        Reminder.objects.filter(session=session, kind=ReminderKind.REMINDER).values_list("state", flat=True)
    ) == {ReminderState.SKIPPED_LATE}


def test_the_offsets_come_from_the_setting(settings, match, package):
    settings.REMINDER_OFFSETS_MINUTES = [90]
    session = lesson(match)
    work_at(timezone.now())
    work_at(session.scheduled_start_at - timedelta(minutes=90))
    assert {e.event.data["reminder"]["offset"] for e in reminder_emails()} == {"90m"}


def test_a_person_who_switched_reminders_off_gets_none_and_the_others_still_do(
    match, package, tutor, student, guardian
):
    NotificationPreference.objects.create(user=student, reminder_emails=False)
    session = lesson(match)
    work_at(timezone.now())
    work_at(session.scheduled_start_at - timedelta(hours=1))
    assert sorted(reminder_emails().values_list("recipient", flat=True)) == sorted(
        [tutor.email, guardian.email]
    )


def test_every_active_guardian_gets_a_copy_and_a_deactivated_one_does_not(match, package, student, guardian):
    gone = UserFactory(role=Role.GUARDIAN, email="gone@example.test", is_active=False)
    Guardianship.objects.create(guardian=gone, student=student)
    second = UserFactory(role=Role.GUARDIAN, email="second@example.test")
    Guardianship.objects.create(guardian=second, student=student)
    session = lesson(match)
    work_at(timezone.now())
    work_at(session.scheduled_start_at - timedelta(hours=1))
    recipients = set(reminder_emails().values_list("recipient", flat=True))
    assert {guardian.email, second.email} <= recipients and gone.email not in recipients
    [to_guardian] = reminder_emails(recipient=guardian.email)
    assert student.name in to_guardian.subject
