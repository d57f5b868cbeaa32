"""verify_ledger passes on what the services write and reports drift they could never cause.

The drifted states below are written straight into the tables on purpose: they stand for a
hand-edited row or a bug, which is exactly what the command exists to catch."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.helpers import update_status
from tutordesk.scheduling.models import Session
from tutordesk.tutoring.models import Package


def run_verify(capsys) -> tuple[int, str]:
    try:
        call_command("verify_ledger")
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().out


def test_it_passes_on_demo_data_after_real_updates(db, capsys):
    call_command("seed_demo", "--tutors", "2", "--students", "4", "--sessions-per-match", "6")
    capsys.readouterr()
    from django.utils import timezone

    from tutordesk.accounts.models import User

    admin = User.objects.get(email="admin@example.com")
    past = Session.objects.filter(status="scheduled", scheduled_start_at__lt=timezone.now()).order_by(
        "scheduled_start_at"
    )[:6]
    for session, status in zip(
        past, ["done", "no_show_student", "no_show_tutor", "rescheduled", "done", "done"]
    ):
        update_status(session_id=session.id, status=status, actor=admin)
    code, out = run_verify(capsys)
    assert code == 0, out
    assert f"Ledger consistent: {Package.objects.count()} package(s) checked." in out


def test_it_catches_a_counter_changed_by_hand(past_session, package, tutor, capsys):
    update_status(session_id=past_session.id, status="done", actor=tutor)
    Package.objects.filter(pk=package.pk).update(sessions_used=2)
    code, out = run_verify(capsys)
    assert code == 1
    assert f"package {package.id}: sessions_used is 2 but 1 session(s)" in out


def test_it_catches_a_status_changed_by_hand(past_session, package, tutor, capsys):
    update_status(session_id=past_session.id, status="done", actor=tutor)
    Session.objects.filter(pk=past_session.pk).update(status="no_show_tutor")
    code, out = run_verify(capsys)
    assert code == 1
    assert "sessions_used is 1 but 0 session(s)" in out


def test_it_catches_a_consuming_session_charged_to_nothing(past_session, package, capsys):
    Session.objects.filter(pk=past_session.pk).update(status="done")
    code, out = run_verify(capsys)
    assert code == 1
    assert f"session {past_session.id}: consumes a session but is charged to no package" in out


@pytest.mark.django_db
def test_it_passes_on_an_empty_database(capsys):
    assert run_verify(capsys)[0] == 0
