from __future__ import annotations

import itertools

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.utils import timezone

from tutordesk.accounts.models import User
from tutordesk.audit.models import AuditLog
from tutordesk.scheduling.models import Session
from tutordesk.tutoring.models import Match, Package, TutoringRequest


def rows():
    return (
        sorted(User.objects.values_list("id", "email", "name", "role", "timezone")),
        sorted(
            Session.objects.values_list(
                "id", "match_id", "scheduled_start_at", "duration_minutes", "meet_link"
            )
        ),
        sorted(Package.objects.values_list("id", "request_id", "sessions_total", "sessions_used")),
    )


def test_it_creates_the_contracts_demo_data(db, capsys):
    call_command("seed_demo", "--tutors", "2", "--students", "3", "--sessions-per-match", "5")
    out = capsys.readouterr().out
    assert "admin@example.com" in out and "tutor1@example.com" in out and "student3@example.com" in out
    assert User.objects.filter(role="admin").count() == 1
    assert set(User.objects.filter(role="tutor").values_list("email", flat=True)) == {
        "tutor1@example.com",
        "tutor2@example.com",
    }
    assert TutoringRequest.objects.count() == 3 and Match.objects.count() == 3
    for request in TutoringRequest.objects.all():
        packages = list(request.packages.all())
        assert [(p.sessions_total, p.sessions_used, p.status) for p in packages] == [(10, 0, "active")]
    assert Session.objects.count() == 15
    assert set(Session.objects.values_list("status", flat=True)) == {"scheduled"}
    now = timezone.now()
    starts = list(Session.objects.values_list("scheduled_start_at", flat=True))
    assert any(s < now for s in starts) and any(s > now for s in starts)
    assert all(abs((s - now).days) <= 15 for s in starts)


def test_demo_logins_use_the_demo_password(db, monkeypatch):
    monkeypatch.setenv("TUTORDESK_DEMO_PASSWORD", "another-demo-pass")
    call_command("seed_demo", "--tutors", "1", "--students", "1", "--sessions-per-match", "1")
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="tutor1@example.com", password="another-demo-pass") is not None
    assert authenticate(request, username="TUTOR1@example.com", password="another-demo-pass") is not None
    assert authenticate(request, username="tutor1@example.com", password="tutordesk-demo") is None


# --reset flushes: on PostgreSQL TRUNCATE cannot run inside the rolled-back test transaction.
@pytest.mark.django_db(transaction=True)
def test_the_same_seed_gives_the_same_data():
    call_command("seed_demo", "--seed", "7")
    first = rows()
    call_command("seed_demo", "--seed", "7", "--reset")
    assert rows() == first
    call_command("seed_demo", "--seed", "8", "--reset")
    assert rows() != first


def test_no_tutor_is_double_booked(db):
    call_command("seed_demo", "--tutors", "2", "--students", "10", "--sessions-per-match", "20")
    by_tutor: dict = {}
    for s in Session.objects.all():
        by_tutor.setdefault(s.tutor_id, []).append((s.scheduled_start_at, s.scheduled_end_at))
    for spans in by_tutor.values():
        spans.sort()
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


def test_it_refuses_a_non_empty_database_without_reset(db):
    call_command("seed_demo")
    with pytest.raises(CommandError, match="--reset"):
        call_command("seed_demo")


def test_if_empty_leaves_existing_data_alone(db, capsys):
    call_command("seed_demo", "--seed", "3")
    before = rows()
    call_command("seed_demo", "--if-empty", "--seed", "4")
    assert rows() == before


@pytest.mark.django_db(transaction=True)
def test_reset_wipes_the_audit_log_too(past_session, tutor):
    from tests.helpers import update_status

    update_status(session_id=past_session.id, status="no_show_tutor", actor=tutor)
    assert AuditLog.objects.exists()
    call_command("seed_demo", "--reset")
    assert not AuditLog.objects.exists()
    assert not User.objects.filter(pk=tutor.pk).exists()


def test_a_size_that_cannot_fit_is_refused_before_anything_is_wiped(db):
    call_command("seed_demo")
    before = rows()
    with pytest.raises(CommandError, match="do not fit"):
        call_command(
            "seed_demo", "--reset", "--tutors", "1", "--students", "100", "--sessions-per-match", "20"
        )
    assert rows() == before


@pytest.mark.parametrize("args", [["--tutors", "0"], ["--students", "-1"], ["--sessions-per-match", "x"]])
def test_bad_sizes_are_refused(db, args):
    with pytest.raises(CommandError):
        call_command("seed_demo", *args)
