"""The worker sends a round of emails in one conversation with the mail server, and a failed
conversation does not take the rest of the round with it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import make_session
from tests.reminders.conftest import work_at
from tutordesk.events.models import EmailKind, EmailNotification, EmailState
from tutordesk.events.worker import dispatch_events, run_due_jobs, send_due_emails

pytestmark = pytest.mark.django_db


def test_a_round_of_emails_is_one_smtp_conversation(smtp, match, package, student, guardian):
    for day in range(3, 6):  # no reminder falls due yet
        make_session(match=match, scheduled_start_at=timezone.now() + timedelta(days=day))
    now = timezone.now()
    while dispatch_events(now=now) + run_due_jobs(now=now, limit=50):
        pass
    booked = EmailNotification.objects.filter(kind=EmailKind.LESSON_BOOKED)
    assert booked.count() == 6  # three lessons, the student and the guardian each
    pending = EmailNotification.objects.filter(state=EmailState.PENDING).count()

    assert send_due_emails(now=now, limit=50) == pending
    assert set(booked.values_list("state", flat=True)) == {EmailState.SENT}
    assert len(smtp.messages) == pending
    assert len(smtp.conversations) == 1


def test_a_mail_server_that_is_down_fails_each_email_on_its_own(settings, match, package, student):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9  # nothing listens: each send is refused and recorded for a retry
    settings.EMAIL_TIMEOUT = 2
    make_session(match=match, scheduled_start_at=timezone.now() + timedelta(days=2))
    work_at(timezone.now())
    email = EmailNotification.objects.get(kind=EmailKind.LESSON_BOOKED)
    assert email.state == EmailState.PENDING
    assert email.attempts == 1
    assert email.last_error and email.next_attempt_at is not None
