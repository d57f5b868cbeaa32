"""Real `run_worker` processes and a real SMTP receiver on 127.0.0.1: each (lesson, offset, person)
gets exactly one reminder whatever the number of workers; a worker killed while the mail server
holds its message loses nothing and makes no second email (the outbox holds one row per person;
on the wire, a resend carries the same Message-ID). Without SMTP, the worker prints one line per
email, or the whole message with TUTORDESK_EMAIL_ECHO=full."""

from __future__ import annotations

import signal
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.events.workers import start_worker
from tests.factories import make_session
from tests.reminders.smtp import SmtpReceiver, start_smtp
from tutordesk.events.models import EmailKind, EmailNotification, EmailState, NotificationPreference
from tutordesk.reminders.models import Reminder, ReminderKind, ReminderState

pytestmark = pytest.mark.django_db(transaction=True)
LESSONS = 6


@pytest.fixture
def smtp_server():
    receiver, controller, port = start_smtp()
    try:
        yield receiver, port
    finally:
        controller.stop()


def smtp_env(port: int) -> dict[str, str]:
    return {
        "TUTORDESK_EMAIL_HOST": "127.0.0.1",
        "TUTORDESK_EMAIL_PORT": str(port),
        "TUTORDESK_EMAIL_USE_TLS": "0",
    }


def lessons_due_now(count: int):
    """Lessons (each its own tutor and student) starting in 59 minutes: their 1h reminder fell due
    a minute ago, their 24h one long ago (skipped)."""
    start = timezone.now().replace(microsecond=0) + timedelta(minutes=59)
    return [make_session(scheduled_start_at=start) for _ in range(count)]


def expected_recipients(sessions) -> Counter:
    return Counter(email for s in sessions for email in (s.student.email, s.tutor.email))


def reminders_received(receiver: SmtpReceiver) -> Counter:
    return Counter(m.recipients[0] for m in receiver.messages if m.kind == "reminder")


def wait_until_sent(count: int, output, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while EmailNotification.objects.filter(state=EmailState.SENT, kind=EmailKind.REMINDER).count() < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"not sent in time\n{output()}")
        time.sleep(0.1)


def reminder_to(person) -> EmailNotification:
    return EmailNotification.objects.get(recipient=person.email, kind=EmailKind.REMINDER)


def test_two_workers_send_each_reminder_exactly_once(smtp_server):
    receiver, port = smtp_server
    sessions = lessons_due_now(LESSONS)
    workers = [start_worker("--lease", "30", extra_env=smtp_env(port)) for _ in range(2)]
    try:
        receiver.wait_for(
            lambda: sum(reminders_received(receiver).values()) >= 2 * LESSONS, what=workers[0].output()
        )
        receiver.wait_for(
            lambda: not EmailNotification.objects.exclude(state=EmailState.SENT).exists(),
            what=workers[1].output(),
        )
    finally:
        for worker in workers:
            worker.stop()
    assert reminders_received(receiver) == expected_recipients(sessions)
    assert EmailNotification.objects.filter(kind=EmailKind.REMINDER).count() == 2 * LESSONS
    states = Counter(
        Reminder.objects.filter(kind=ReminderKind.REMINDER).values_list("offset_minutes", "state")
    )
    assert states == {(60, ReminderState.SENT): LESSONS, (24 * 60, ReminderState.SKIPPED_LATE): LESSONS}
    for message in receiver.reminders():
        assert "lesson.ics" in message.attachments()


def test_a_worker_killed_while_the_server_holds_its_message_loses_nothing(smtp_server):
    receiver, port = smtp_server
    [session] = lessons_due_now(1)
    NotificationPreference.objects.create(user=session.student, booking_emails=False)  # reminders only
    receiver.delay = 4  # the server answers each message 4 s after it has it
    first = start_worker("--lease", "3", timeout_seconds=1, extra_env=smtp_env(port))
    try:
        receiver.wait_for(lambda: len(receiver.messages) >= 1, what=first.output(), seconds=90)
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=5)
    finally:
        first.stop()
    receiver.delay = 0
    reminders = EmailNotification.objects.filter(kind=EmailKind.REMINDER)
    assert reminders.filter(state=EmailState.SENT).count() < 2
    second = start_worker("--lease", "3", timeout_seconds=1, extra_env=smtp_env(port))
    try:
        receiver.wait_for(lambda: reminders.filter(state=EmailState.SENT).count() == 2, what=second.output())
    finally:
        second.stop()
    # One email row per person, each marked sent once; every person got theirs; a message the
    # killed worker had handed over may arrive again, but as the same message (its Message-ID).
    assert EmailNotification.objects.filter(kind=EmailKind.REMINDER).count() == 2
    by_person: dict[str, set[str]] = {m.recipients[0]: set() for m in receiver.reminders()}
    for message in receiver.reminders():
        by_person[message.recipients[0]].add(message.message_id)
    assert set(by_person) == {session.student.email, session.tutor.email}
    assert all(len(ids) == 1 for ids in by_person.values())
    assert Reminder.objects.get(session=session, offset_minutes=60).state == ReminderState.SENT


def test_without_smtp_the_worker_prints_one_line_per_email():
    [session] = lessons_due_now(1)
    worker = start_worker()
    try:
        wait_until_sent(2, worker.output)
    finally:
        worker.stop()
    lines = [line for line in worker.output().splitlines() if line.startswith("email reminder ")]
    assert sorted(lines) == sorted(
        f"email reminder to {person.email}: {reminder_to(person).subject} [+ lesson.ics]"
        for person in (session.student, session.tutor)
    )
    assert "Content-Type" not in worker.output()


def test_with_full_echo_the_worker_prints_whole_messages():
    lessons_due_now(1)
    worker = start_worker(extra_env={"TUTORDESK_EMAIL_ECHO": "full"})
    try:
        wait_until_sent(2, worker.output)
    finally:
        worker.stop()
    assert worker.output().count("X-Tutordesk-Kind: reminder") == 2
    assert worker.output().count("Content-Type: multipart/mixed") >= 2
    assert "BEGIN:VCALENDAR" in worker.output() or "lesson.ics" in worker.output()
