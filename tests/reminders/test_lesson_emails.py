"""Emails a student and their guardians expect beside reminders: a lesson booked (a series: one
email for all its lessons, through the hook), and an admin's correction that charged or gave back a
prepaid session; each switched off per person."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import make_session
from tests.helpers import correct_status, update_status
from tests.reminders.conftest import work_at
from tutordesk.events.models import EmailKind, EmailNotification, Event, EventType, NotificationPreference
from tutordesk.events.services import NewEvent, events_record
from tutordesk.reminders.emails import series_booked_emails

pytestmark = pytest.mark.django_db


def emails(kind: str) -> list[EmailNotification]:
    return list(EmailNotification.objects.filter(kind=kind).order_by("recipient"))


def test_a_lesson_booked_emails_the_student_and_each_guardian_not_the_tutor(
    match, package, tutor, student, guardian
):
    session = make_session(match=match, scheduled_start_at=timezone.now() + timedelta(days=3))
    work_at(timezone.now())
    work_at(timezone.now())
    booked = emails(EmailKind.LESSON_BOOKED)
    assert [e.recipient for e in booked] == sorted([student.email, guardian.email])
    assert all(tutor.name in e.subject and match.request.subject in e.subject for e in booked)
    assert session.meet_link in booked[0].body_text
    to_guardian = next(e for e in booked if e.recipient == guardian.email)
    assert f"for {student.name}" in to_guardian.body_text


def test_no_booking_email_for_a_moved_lesson_or_one_entered_after_it_took_place(match, package, tutor):
    past = make_session(match=match, scheduled_start_at=timezone.now() - timedelta(hours=3))
    future = make_session(match=match, scheduled_start_at=timezone.now() + timedelta(days=3))
    work_at(timezone.now())
    assert [e.event.data["session"]["id"] for e in emails(EmailKind.LESSON_BOOKED)] == [str(future.id)]
    update_status(
        session_id=future.id,
        status="rescheduled",
        new_start_at=future.scheduled_start_at + timedelta(days=1),
        actor=tutor,
    )
    work_at(timezone.now())
    assert len(emails(EmailKind.LESSON_BOOKED)) == 1  # the move is told by the outcome email
    assert len(emails(EmailKind.OUTCOME)) == 1
    assert str(past.id) not in {e.event.data["session"]["id"] for e in emails(EmailKind.LESSON_BOOKED)}


def test_a_person_who_switched_booking_emails_off_gets_none(match, package, student, guardian):
    NotificationPreference.objects.create(user=guardian, booking_emails=False)
    make_session(match=match, scheduled_start_at=timezone.now() + timedelta(days=3))
    work_at(timezone.now())
    assert [e.recipient for e in emails(EmailKind.LESSON_BOOKED)] == [student.email]


def test_a_series_occurrence_is_not_emailed_alone_and_the_hook_emails_the_series_once(
    match, package, student
):
    lessons = [
        make_session(match=match, scheduled_start_at=timezone.now() + timedelta(days=7 * week))
        for week in (1, 2, 3)
    ]
    # As the series branch's events will carry it: the occurrence's series.
    for event in Event.objects.filter(type=EventType.SESSION_CREATED):
        event.data["session"]["series_id"] = "a-series"
        event.save(update_fields=["data"])
    work_at(timezone.now())
    [booked] = emails(EmailKind.LESSON_BOOKED)  # one for the series, listing its three lessons
    assert booked.subject.startswith("3 lessons booked")

    [series_event] = events_record(changes=[NewEvent(EventType.SESSION_CREATED, {"series_id": "a-series"})])
    [email] = series_booked_emails(series_event, lessons)
    assert email.recipient == student.email and email.subject.startswith("3 lessons booked")
    assert email.body_text.count(f"{match.request.subject} with") == 3


def test_a_correction_that_charges_or_gives_back_a_session_emails_the_family(
    match, package, tutor, student, guardian
):
    session = make_session(match=match, scheduled_start_at=timezone.now() - timedelta(hours=2))
    update_status(session_id=session.id, status="done", actor=tutor)  # charged: the outcome email tells it
    work_at(timezone.now())
    assert emails(EmailKind.CHARGE_CORRECTED) == []
    correct_status(
        session_id=session.id, status="no_show_tutor", reason="The tutor was ill", actor=tutor_admin()
    )
    correct_status(session_id=session.id, status="no_show_student", reason="Wrong again", actor=tutor_admin())
    correct_status(session_id=session.id, status="done", reason="Both consume", actor=tutor_admin())
    work_at(timezone.now())
    charged = emails(EmailKind.CHARGE_CORRECTED)
    assert sorted({e.recipient for e in charged}) == sorted([student.email, guardian.email])
    assert len(charged) == 4  # given back, charged again; the last correction moved nothing
    subjects = sorted({e.subject for e in charged})
    assert subjects == [
        "A lesson was corrected: a prepaid session was charged",
        "A lesson was corrected: a prepaid session was given back",
    ]


def test_a_student_who_switched_charge_emails_off_gets_none(match, package, tutor, student):
    NotificationPreference.objects.create(user=student, charge_emails=False)
    session = make_session(match=match, scheduled_start_at=timezone.now() - timedelta(hours=2))
    update_status(session_id=session.id, status="done", actor=tutor)
    correct_status(
        session_id=session.id, status="no_show_tutor", reason="The tutor was ill", actor=tutor_admin()
    )
    work_at(timezone.now())
    assert emails(EmailKind.CHARGE_CORRECTED) == []


def tutor_admin():
    from tests.factories import system_admin

    return system_admin()
