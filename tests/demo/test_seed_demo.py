"""seed_demo as CONTRACT §6 describes it: the logins, one matched request per student, packages,
sessions from two weeks ago to two weeks ahead, the same rows for the same seed and day, and the
refusals that keep it from touching a database with data."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.utils import timezone

from tests.demo.helpers import every_row, seed
from tests.helpers import update_status
from tutordesk.accounts.audit import ApiTokenCreated
from tutordesk.accounts.models import User
from tutordesk.audit.models import AuditLog
from tutordesk.audit.services import audit_log_write
from tutordesk.demo.builder import DatabaseNotEmpty
from tutordesk.demo.management.commands.seed_demo import NOT_EMPTY
from tutordesk.scheduling.models import Session
from tutordesk.tutoring.models import Match, Package, TutoringRequest


def test_it_creates_the_contracts_logins_requests_and_sessions(db, capsys):
    call_command("seed_demo", "--tutors", "2", "--students", "9", "--sessions-per-match", "6")
    out = capsys.readouterr().out
    assert "Demo data ready: 55 sessions." in out  # 9 x 6, and student1's reschedule's replacement
    assert "Password for every login: tutordesk-demo" in out
    for email in ("admin@example.com", "tutor1@example.com", "tutor2@example.com", "student9@example.com"):
        assert email in out
    assert list(User.objects.filter(role="admin").values_list("email", flat=True)) == ["admin@example.com"]
    assert sorted(User.objects.filter(role="tutor").values_list("email", flat=True)) == [
        "tutor1@example.com",
        "tutor2@example.com",
    ]
    assert User.objects.filter(role="student").count() == 9
    for number in range(1, 10):
        request = TutoringRequest.objects.get(student__email=f"student{number}@example.com")
        match = Match.objects.get(request=request)
        assert (request.status, match.status) == ("matched", "active")
        assert match.tutor.email == f"tutor{(number - 1) % 2 + 1}@example.com"
        assert request.packages.exists()
        assert Session.objects.filter(match=match, rescheduled_from__isnull=True).count() == 6
    now = timezone.now()
    day0 = now.replace(hour=0, minute=0, second=0, microsecond=0)
    starts = list(Session.objects.values_list("scheduled_start_at", flat=True))
    assert len(starts) == 55
    assert any(s < now for s in starts) and any(s > now for s in starts)
    assert all(day0 - timedelta(days=14) <= s < day0 + timedelta(days=14) for s in starts)
    assert all(s.minute == 0 and 8 <= s.hour < 20 for s in starts)


def test_verbosity_0_prints_nothing(db, capsys):
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", "--if-empty", verbosity=0)
    assert capsys.readouterr() == ("", "")
    assert User.objects.count() == 12  # an admin, 3 tutors, 6 students and 2 guardians


def test_more_than_ten_logins_are_summed_up(db, capsys):
    call_command("seed_demo", "--tutors", "3", "--students", "12")
    out = capsys.readouterr().out
    assert "student10@example.com" in out and "student11@example.com" not in out
    assert "… and 2 more (tutorN@example.com, studentN@example.com, guardianN@example.com)" in out


def test_demo_logins_use_the_demo_password(db, monkeypatch):
    monkeypatch.setenv("TUTORDESK_DEMO_PASSWORD", "another-demo-pass")
    call_command("seed_demo", "--tutors", "1", "--students", "1", "--sessions-per-match", "1")
    request = RequestFactory().post("/accounts/login/")
    for email in ("admin@example.com", "tutor1@example.com", "student1@example.com", "TUTOR1@example.com"):
        assert authenticate(request, username=email, password="another-demo-pass") is not None, email
    assert authenticate(request, username="tutor1@example.com", password="tutordesk-demo") is None


# --reset flushes: on PostgreSQL TRUNCATE cannot run inside the rolled-back test transaction.
@pytest.mark.django_db(transaction=True)
def test_the_same_seed_gives_the_same_rows_ids_included():
    """Bulk rows and the story's rows alike: users, requests, matches, packages, sessions, audit
    rows and events carry the same ids, values and times."""
    seed(3, 8, 8, "--seed", "7")
    first = every_row()
    assert len(first["sessions"]) == 65 and len(first["audit_logs"]) > 40
    seed(3, 8, 8, "--seed", "7", "--reset")
    assert every_row() == first
    seed(3, 8, 8, "--seed", "8", "--reset")
    other = every_row()
    for table in ("users", "requests", "sessions", "audit_logs"):
        assert not {r[0] for r in other[table]} & {r[0] for r in first[table]}, table


@pytest.mark.parametrize(("tutors", "students", "per_match"), [(2, 10, 20), (3, 3, 8), (1, 4, 12)])
def test_no_tutor_is_ever_booked_twice_at_once(db, tutors, students, per_match):
    seed(tutors, students, per_match)
    by_tutor: dict = {}
    for s in Session.objects.all():
        by_tutor.setdefault(s.tutor_id, []).append((s.scheduled_start_at, s.scheduled_end_at))
    for spans in by_tutor.values():
        spans.sort()
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


def test_it_refuses_a_database_with_data_and_says_how_to_go_on(db):
    seed()
    before = every_row()
    with pytest.raises(CommandError) as info:
        seed()
    assert isinstance(info.value.__cause__, DatabaseNotEmpty)
    assert str(info.value) == NOT_EMPTY  # the message that names --reset and --if-empty
    assert every_row() == before


def test_it_refuses_a_database_whose_only_rows_are_audit_rows(db):
    audit_log_write(
        actor=None, entity_id=uuid.uuid4(), details=ApiTokenCreated(user_id=uuid.uuid4(), prefix="td_abc")
    )
    assert not User.objects.exists()
    with pytest.raises(CommandError) as info:
        seed()
    assert isinstance(info.value.__cause__, DatabaseNotEmpty)


def test_if_empty_leaves_existing_data_alone_and_succeeds(db, capsys):
    seed(1, 2, 8, "--seed", "3")
    before = every_row()
    capsys.readouterr()
    seed(1, 2, 8, "--if-empty", "--seed", "4")
    assert every_row() == before
    call_command("seed_demo", "--if-empty")
    assert "leaving it as it is" in capsys.readouterr().out


def test_if_empty_seeds_an_empty_database(db):
    seed(1, 2, 8, "--if-empty")
    assert Session.objects.count() == 17


@pytest.mark.django_db(transaction=True)
def test_reset_wipes_everything_the_audit_log_included(past_session, tutor):
    update_status(session_id=past_session.id, status="no_show_tutor", actor=tutor)
    assert AuditLog.objects.filter(actor=tutor).exists()
    seed(3, 6, 8, "--reset")
    assert not AuditLog.objects.filter(actor_id=tutor.pk).exists()
    assert not User.objects.filter(pk=tutor.pk).exists()
    assert not Session.objects.filter(pk=past_session.pk).exists()
    assert User.objects.count() == 12


def test_a_size_that_cannot_fit_is_refused_before_anything_is_wiped(db):
    seed()
    before = every_row()
    with pytest.raises(CommandError) as info:
        call_command(
            "seed_demo", "--reset", "--tutors", "1", "--students", "100", "--sessions-per-match", "20"
        )
    assert info.value.__cause__.code == "past_does_not_fit"
    assert every_row() == before


def test_more_tutors_than_students_is_refused(db):
    with pytest.raises(CommandError) as info:
        call_command("seed_demo", "--tutors", "4", "--students", "3")
    assert info.value.__cause__.code == "more_tutors_than_students"
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "args", [["--tutors", "0"], ["--students", "-1"], ["--sessions-per-match", "x"], ["--seed", "1.5"]]
)
def test_bad_sizes_are_refused(db, args):
    with pytest.raises(CommandError):
        call_command("seed_demo", *args)
    assert not User.objects.exists()


def test_bulk_packages_are_ten_sessions_and_untouched(db):
    seed(2, 8, 8)
    bulk = Package.objects.filter(
        request__student__email__in=[f"student{i}@example.com" for i in (5, 6, 7, 8)]
    )
    assert [(p.sessions_total, p.sessions_used, p.status) for p in bulk] == [(10, 0, "active")] * 4
