from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from tests.factories import UserFactory
from tests.reminders.smtp import SmtpReceiver, start_smtp
from tutordesk.accounts.models import Guardianship, Role, User
from tutordesk.core import clock
from tutordesk.events.worker import dispatch_events, run_due_jobs, send_due_emails


@pytest.fixture
def smtp(settings) -> Iterator[SmtpReceiver]:
    """A real SMTP server on 127.0.0.1 that Django's SMTP backend sends to."""
    receiver, controller, port = start_smtp()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    try:
        yield receiver
    finally:
        controller.stop()


@pytest.fixture
def guardian(student) -> User:
    person = UserFactory(role=Role.GUARDIAN, name="Gina Guardian", email="gina@example.test")
    Guardianship.objects.create(guardian=person, student=student)
    return person


def work_at(when: datetime, *, rounds: int = 50) -> None:
    """The worker, in this process, at `when` (its clock and its queues' "now"), until idle."""
    with clock.at(when):
        for _ in range(rounds):
            done = (
                dispatch_events(now=when)
                + run_due_jobs(now=when, limit=50)
                + send_due_emails(now=when, limit=50)
            )
            if not done:
                return
    raise AssertionError("the worker still had work after many rounds")
