"""Races with real commits and separate connections: exactly one winner, never an overdraft."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.concurrency.conftest import race
from tests.factories import AdminFactory, make_match, make_package, make_session
from tutordesk.audit.models import AuditLog
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.services import session_correct_status, session_update_status
from tutordesk.tutoring.models import Package

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def test_32_threads_marking_one_session_done_charge_once():
    match = make_match()
    package = make_package(request=match.request, sessions_total=10)
    session = make_session(match=match)
    tutor = match.tutor

    results = race(32, lambda i: session_update_status(session_id=session.id, status="done", actor=tutor))

    assert results.count("ok") == 1
    assert results.count("invalid_transition") == 31
    package.refresh_from_db()
    assert package.sessions_used == 1
    assert AuditLog.objects.filter(entity_id=session.id, action="session_status_updated").count() == 1


def test_32_sessions_racing_for_10_sessions_left_charge_exactly_10(capsys):
    match = make_match()
    first = make_package(request=match.request, sessions_total=6)
    second = make_package(request=match.request, sessions_total=4)
    start = timezone.now() - timedelta(days=2)
    sessions = [make_session(match=match, scheduled_start_at=start + timedelta(hours=i)) for i in range(32)]
    tutor = match.tutor

    results = race(32, lambda i: session_update_status(session_id=sessions[i].id, status="done", actor=tutor))

    assert results.count("ok") == 10
    assert results.count("no_active_package") == 22
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.sessions_used, first.status) == (6, "exhausted")
    assert (second.sessions_used, second.status) == (4, "exhausted")
    assert Session.objects.filter(status="done").count() == 10
    assert AuditLog.objects.filter(action="session_status_updated").count() == 10
    call_command("verify_ledger")  # exits 1 (SystemExit) on drift
    assert "Ledger consistent" in capsys.readouterr().out


def test_refunds_and_charges_racing_on_one_request_keep_the_ledger(capsys):
    """Half the threads record outcomes while the other half correct earlier ones."""
    match = make_match()
    make_package(request=match.request, sessions_total=3)
    admin = AdminFactory()
    start = timezone.now() - timedelta(days=2)
    sessions = [make_session(match=match, scheduled_start_at=start + timedelta(hours=i)) for i in range(16)]
    for s in sessions[:3]:
        session_update_status(session_id=s.id, status="done", actor=admin)

    def work(i: int) -> None:
        if i < 3:
            session_correct_status(
                session_id=sessions[i].id, status="no_show_tutor", reason="race", actor=admin
            )
        else:
            session_update_status(session_id=sessions[i].id, status="no_show_student", actor=admin)

    results = race(16, work)

    assert results[:3] == ["ok", "ok", "ok"]
    # 3 sessions were freed by the refunds, so at most 3 of the 13 charges can win
    charged = results[3:].count("ok")
    assert charged <= 3
    assert results[3:].count("no_active_package") == 13 - charged
    call_command("verify_ledger")
    assert "Ledger consistent" in capsys.readouterr().out
    package = Package.objects.get()
    assert package.sessions_used == charged


def test_32_bookings_racing_for_one_tutor_hour_book_it_once():
    from tutordesk.scheduling.services import session_create

    match = make_match()
    start = (timezone.now() + timedelta(days=3)).replace(microsecond=0)

    results = race(
        32,
        lambda i: session_create(
            match_id=match.id,
            scheduled_start_at=start + timedelta(minutes=i),
            duration_minutes=60,
            actor=match.tutor,
        ),
    )

    assert results.count("ok") == 1
    assert results.count("tutor_double_booked") == 31
    assert Session.objects.count() == 1
