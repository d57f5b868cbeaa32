"""Emails go out through Django's email backend, sent by the worker (never inside the request):
the student when an outcome is recorded, the student and the admins when a package runs low or
is used up. Plain text and HTML each."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from harness.servers import free_port
from tests.api.conftest import ApiClient, token_for
from tests.events.conftest import run_worker
from tests.factories import AdminFactory, make_package, make_session
from tests.helpers import update_status
from tutordesk.events.emails import OUTCOME_STATUSES, OUTCOME_SUBJECTS
from tutordesk.events.models import EmailNotification, Event
from tutordesk.events.services import notification_preference_update
from tutordesk.scheduling.services import session_update_status
from tutordesk.scheduling.status import TRANSITIONS, SessionStatus

pytestmark = pytest.mark.django_db


def test_every_status_a_tutor_records_has_its_email():
    """The email words are keyed by status below the lifecycle's floor: they cover exactly the
    statuses a status update can set (scheduling.status)."""
    assert set(OUTCOME_SUBJECTS) == OUTCOME_STATUSES == TRANSITIONS[SessionStatus.SCHEDULED]


def html_of(message) -> str:
    [(content, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return content


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("done", "recorded as done"),
        ("no_show_student", "student no-show"),
        ("no_show_tutor", "tutor no-show"),
    ],
)
def test_the_student_is_told_the_outcome(tutor, student, past_session, status, words):
    update_status(session_id=past_session.id, status=status, actor=tutor, tutor_notes="Fractions & decimals")
    run_worker()
    [message] = mail.outbox
    assert message.to == [student.email]
    assert words in message.body
    assert "Fractions & decimals" in message.body  # plain text is not HTML-escaped
    assert words in html_of(message).replace("<strong>", "").replace("</strong>", "")
    assert "Fractions &amp; decimals" in html_of(message)


def test_a_reschedule_names_the_new_time_in_the_student_s_time_zone(tutor, student, past_session):
    student.timezone = "Asia/Tokyo"
    student.save(update_fields=["timezone"])
    new_start = (timezone.now() + timedelta(days=7)).replace(hour=1, minute=30, second=0, microsecond=0)
    update_status(session_id=past_session.id, status="rescheduled", actor=tutor, new_start_at=new_start)
    run_worker()
    [message] = mail.outbox
    local = new_start.astimezone(ZoneInfo("Asia/Tokyo"))
    assert f"The new time is {local:%A} {local.day} {local:%B %Y, %H:%M} JST" in message.body
    assert "10:30 JST" in message.body
    assert "rescheduled" in message.subject


def test_nothing_is_sent_inside_the_request(admin, tutor, past_session):
    response = ApiClient(token_for(tutor)).post(f"/sessions/{past_session.id}/status", {"status": "done"})
    assert response.status_code == 200
    assert mail.outbox == []
    run_worker()
    assert len(mail.outbox) == 1


def test_a_rolled_back_change_sends_nothing(tutor, past_session):
    with pytest.raises(RuntimeError, match="after the service ran"), transaction.atomic():
        session_update_status(session_id=past_session.id, status="done", actor=tutor)
        assert Event.objects.exists()  # the outbox row the emails come from, rolled back with the change
        raise RuntimeError("the request failed after the service ran")
    run_worker()
    assert mail.outbox == []
    assert not EmailNotification.objects.exists()


def test_a_student_who_turned_outcome_emails_off_gets_none(tutor, student, past_session):
    with transaction.atomic():
        notification_preference_update(user=student, outcome_emails=False, actor=student)
    update_status(session_id=past_session.id, status="done", actor=tutor)
    run_worker()
    assert mail.outbox == []


def test_a_low_balance_tells_the_student_and_every_admin(tutor, student, admin, match):
    other_admin = AdminFactory(name="Olga Office")
    make_package(request=match.request, sessions_total=3)
    session = make_session(match=match)
    with transaction.atomic():
        notification_preference_update(user=student, outcome_emails=False, actor=student)
    update_status(session_id=session.id, status="done", actor=tutor)  # 2 left
    run_worker()
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert student.email in recipients and admin.email in recipients and other_admin.email in recipients
    to_student = next(m for m in mail.outbox if m.to == [student.email])
    assert to_student.subject == "Sessions running low"
    assert "You have 2 sessions left" in to_student.body
    to_admin = next(m for m in mail.outbox if m.to == [admin.email])
    assert f"{student.name} has 2 sessions left" in to_admin.body
    assert "<strong>2 sessions</strong>" in html_of(to_admin)


def test_an_exhausted_package_tells_the_student_and_admins(tutor, student, admin, match):
    make_package(request=match.request, sessions_total=1)
    session = make_session(match=match)
    update_status(session_id=session.id, status="done", actor=tutor)
    run_worker()
    subjects = {(m.to[0], m.subject) for m in mail.outbox}
    assert (student.email, "A package of sessions is used up") in subjects
    assert (admin.email, "A package of sessions is used up") in subjects
    assert (student.email, "Your session is recorded as done") in subjects


def test_the_switch_turns_every_email_off(settings, tutor, past_session):
    settings.EMAIL_NOTIFICATIONS = False
    update_status(session_id=past_session.id, status="done", actor=tutor)
    run_worker()
    assert mail.outbox == []


def test_each_email_is_sent_once_however_often_the_worker_runs(tutor, past_session):
    update_status(session_id=past_session.id, status="done", actor=tutor)
    run_worker()
    run_worker()
    assert len(mail.outbox) == 1
    assert EmailNotification.objects.get().state == "sent"


def test_a_mail_server_that_fails_is_tried_again(settings, tutor, past_session):
    # Django's SMTP backend, pointed at a port on 127.0.0.1 where no mail server listens.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    update_status(session_id=past_session.id, status="done", actor=tutor)
    run_worker()
    email = EmailNotification.objects.get()
    assert (email.state, email.attempts) == ("pending", 1)
    assert "Connection" in email.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run_worker(now=email.next_attempt_at + timedelta(seconds=1))
    assert len(mail.outbox) == 1
    assert EmailNotification.objects.get().state == "sent"
    assert isinstance(email.next_attempt_at, datetime)
