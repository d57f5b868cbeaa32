"""A guardian receives every email the student they look after receives (CONTRACT §11): the
outcome of each lesson, a package running low or used up. Each guardian is written to in their
own time zone, naming the student, and each keeps their own preference. Sent by the worker
through Django's email backend."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core import mail
from django.db import transaction

from tests.events.conftest import run_worker
from tests.factories import GuardianFactory, link_guardian, make_package, make_session
from tests.helpers import update_status
from tutordesk.events.emails import GUARDIAN_OUTCOME_SUBJECTS, OUTCOME_SUBJECTS
from tutordesk.events.services import notification_preference_update

pytestmark = pytest.mark.django_db


def to(person) -> list:
    return [m for m in mail.outbox if m.to == [person.email]]


def html_of(message) -> str:
    [(content, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return content


def test_every_outcome_has_its_guardian_subject():
    assert set(GUARDIAN_OUTCOME_SUBJECTS) == set(OUTCOME_SUBJECTS)


@pytest.mark.parametrize(
    ("status", "subject", "words"),
    [
        ("done", "Sam Student's session is recorded as done", "is recorded as done"),
        ("no_show_student", "Sam Student missed a session", "Sam Student was not there"),
        ("no_show_tutor", "Sam Student's tutor missed a session", "the tutor could not make it"),
    ],
)
def test_the_guardian_is_told_the_outcome_naming_the_student(
    tutor, student, guardian, past_session, status, subject, words
):
    update_status(session_id=past_session.id, status=status, actor=tutor, tutor_notes="Fractions & decimals")
    run_worker()
    [to_student] = to(student)
    [to_guardian] = to(guardian)
    assert to_student.subject == OUTCOME_SUBJECTS[status]
    assert to_guardian.subject == subject
    assert to_guardian.body.startswith("Hello Gina Guardian,")
    assert "Sam Student's session on" in to_guardian.body and words in to_guardian.body
    assert "The tutor's notes:\nFractions & decimals" in to_guardian.body
    assert "because you look after Sam Student" in to_guardian.body
    assert "Fractions &amp; decimals" in html_of(to_guardian)
    assert "Your session" not in to_guardian.body


def test_each_reader_gets_the_time_in_their_own_time_zone(tutor, student, guardian, match, package):
    student.timezone, guardian.timezone = "Asia/Tokyo", "America/New_York"
    student.save(update_fields=["timezone"])
    guardian.save(update_fields=["timezone"])
    session = make_session(match=match, scheduled_start_at=datetime(2026, 1, 6, 15, 0, tzinfo=UTC))
    update_status(session_id=session.id, status="done", actor=tutor)
    run_worker()
    assert "Wednesday 7 January 2026, 00:00 JST" in to(student)[0].body
    assert "Tuesday 6 January 2026, 10:00 EST" in to(guardian)[0].body


def test_every_guardian_of_the_student_is_written_to_and_nobody_else(tutor, student, guardian, past_session):
    second = link_guardian(GuardianFactory(name="Gus Guardian"), student)
    stranger = GuardianFactory(name="Stan Stranger")
    update_status(session_id=past_session.id, status="done", actor=tutor)
    run_worker()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([student.email, guardian.email, second.email])
    assert not to(stranger)


def test_a_deactivated_guardian_gets_nothing(tutor, student, guardian, past_session):
    guardian.is_active = False
    guardian.save(update_fields=["is_active"])
    update_status(session_id=past_session.id, status="done", actor=tutor)
    run_worker()
    assert [m.to for m in mail.outbox] == [[student.email]]


def test_each_keeps_their_own_preference(tutor, student, guardian, past_session):
    with transaction.atomic():
        notification_preference_update(user=student, outcome_emails=False, actor=student)
    update_status(session_id=past_session.id, status="done", actor=tutor)
    run_worker()
    assert [m.to for m in mail.outbox] == [[guardian.email]]

    mail.outbox.clear()
    with transaction.atomic():
        notification_preference_update(user=student, outcome_emails=True, actor=student)
        notification_preference_update(user=guardian, outcome_emails=False, actor=guardian)
    earlier = make_session(match=past_session.match)
    update_status(session_id=earlier.id, status="done", actor=tutor)
    run_worker()
    assert [m.to for m in mail.outbox] == [[student.email]]


def test_a_low_balance_and_a_used_up_package_reach_the_guardian_in_their_words(
    tutor, student, guardian, admin, match
):
    make_package(request=match.request, sessions_total=3)
    first = make_session(match=match)
    update_status(session_id=first.id, status="done", actor=tutor)  # 2 left: low balance
    run_worker()
    low = next(m for m in to(guardian) if m.subject == "Sessions running low for Sam Student")
    assert "Sam Student has 2 sessions left." in low.body
    assert "Ask us for a new package so Sam Student's lessons go on without a break." in low.body
    assert "Request:" not in low.body  # the business's own details are for admins
    assert "<strong>2 sessions</strong>" in html_of(low)
    to_admin = next(m for m in to(admin) if m.subject == "Sessions running low")
    assert "Request:" in to_admin.body
