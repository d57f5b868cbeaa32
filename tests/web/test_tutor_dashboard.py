"""The tutor's dashboard: needs outcome first, then upcoming and recent; own sessions only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import MatchFactory, PackageFactory, SessionFactory
from tests.helpers import put_in_status
from tests.web.conftest import row_of


def test_sections_come_in_order_needs_outcome_upcoming_recent(tutor_client, past_session, future_session):
    html = tutor_client.get("/").content.decode()
    needs, upcoming, recent = (
        html.index(f'data-section="{name}"') for name in ("needs-outcome", "upcoming", "recent")
    )
    assert needs < upcoming < recent
    assert needs < html.index(f'data-session-id="{past_session.id}"') < upcoming
    assert upcoming < html.index(f'data-session-id="{future_session.id}"') < recent


def test_a_row_shows_student_subject_local_time_meet_link_badge_and_sessions_left(
    tutor, tutor_client, match, package
):
    tutor.timezone = "Europe/Berlin"
    tutor.save(update_fields=["timezone"])
    session = SessionFactory(match=match, scheduled_start_at=datetime(2030, 1, 15, 9, 0, tzinfo=UTC))
    row = row_of(tutor_client.get("/").content.decode(), session.id)
    assert "Sam Student" in row
    assert "Algebra" in row
    assert "Tue 15 Jan 2030, 10:00 CET" in row  # 09:00 UTC in Berlin's winter time
    assert 'href="https://meet.example.com/abc-defg-hij"' in row
    assert 'data-status="scheduled"' in row and "bg-blue-100 text-blue-800" in row
    assert f'data-left-for="{match.request_id}">10<' in row


def test_scheduled_rows_carry_every_action_control(tutor_client, past_session):
    row = row_of(tutor_client.get("/").content.decode(), past_session.id)
    for action in ("done", "no_show_student", "no_show_tutor", "rescheduled"):
        assert f'data-action="{action}"' in row
    assert 'data-action="correct"' not in row
    assert 'name="idempotency_key"' in row and "csrfmiddlewaretoken" in row
    assert '<label for="notes-' in row and '<label for="new-start-' in row


def test_recorded_rows_have_no_actions_for_a_tutor(tutor_client, past_session):
    put_in_status(past_session, "done")
    row = row_of(tutor_client.get("/").content.decode(), past_session.id)
    assert 'data-status="done"' in row
    assert "data-action=" not in row


def test_a_tutor_never_sees_another_tutors_sessions(tutor_client, past_session, other_tutor):
    foreign = SessionFactory(match=MatchFactory(tutor=other_tutor))
    html = tutor_client.get("/").content.decode()
    assert str(past_session.id) in html
    assert str(foreign.id) not in html


def test_empty_sections_say_so(tutor_client):
    html = tutor_client.get("/").content.decode()
    assert "Nothing waiting" in html
    assert "No upcoming sessions." in html
    assert "No recorded sessions yet." in html


def test_long_lists_are_paginated_per_section(tutor_client, match, package):
    now = timezone.now()
    for hours in range(1, 23):
        SessionFactory(match=match, scheduled_start_at=now - timedelta(hours=hours * 3))
    first = tutor_client.get("/").content.decode()
    assert "Page 1 of 2" in first and "needs_page=2" in first
    second = tutor_client.get("/?needs_page=2").content.decode()
    assert "Page 2 of 2" in second


def test_the_dashboard_query_count_does_not_grow_with_rows(tutor_client, tutor, match, package):
    now = timezone.now()
    SessionFactory(match=match, scheduled_start_at=now - timedelta(hours=2))
    SessionFactory(match=match, scheduled_start_at=now + timedelta(hours=2))
    put_in_status(SessionFactory(match=match, scheduled_start_at=now - timedelta(hours=5)), "done")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert tutor_client.get("/").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for _ in range(3):
        other = MatchFactory(tutor=tutor)
        PackageFactory(request=other.request)
        for hours in (2, 30, -30):
            s = SessionFactory(match=other, scheduled_start_at=timezone.now() - timedelta(hours=hours))
            if hours == 30:
                put_in_status(s, "done")
    assert count() == few
    assert few <= 12


def test_the_admin_and_student_dashboards_query_count_does_not_grow_with_rows(admin, student, match, package):
    from tests.web.conftest import logged_in

    now = timezone.now()
    for hours in (-2, 2):
        SessionFactory(match=match, scheduled_start_at=now + timedelta(hours=hours))
    clients = {"admin": logged_in(admin), "student": logged_in(student)}

    def counts() -> dict[str, int]:
        result = {}
        for name, client in clients.items():
            with CaptureQueriesContext(connection) as ctx:
                assert client.get("/").status_code == 200
            result[name] = len(ctx.captured_queries)
        return result

    few = counts()
    PackageFactory(request=match.request, sessions_total=3)
    for hours in range(3, 15):
        SessionFactory(match=match, scheduled_start_at=now + timedelta(hours=hours if hours % 2 else -hours))
    SessionFactory(match=MatchFactory())
    assert counts() == few
    assert few["admin"] <= 10 and few["student"] <= 10


def test_sessions_left_count_each_package_once_when_a_tutor_was_matched_twice(
    tutor, tutor_client, match, package
):
    from tutordesk.tutoring.models import Match

    Match.objects.filter(pk=match.pk).update(status="ended")
    again = MatchFactory(tutor=tutor, request=match.request)
    session = SessionFactory(match=again)
    assert f'data-left-for="{match.request_id}">10<' in row_of(
        tutor_client.get("/").content.decode(), session.id
    )
