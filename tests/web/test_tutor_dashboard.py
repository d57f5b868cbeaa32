"""The tutor's dashboard: needs outcome first, then upcoming and recent; own sessions only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import end_match, make_match, make_package, make_session
from tests.helpers import bring_to_status
from tests.web.conftest import link, logged_in, row_of, session_ids
from tutordesk.calendars.services import calendar_feed_issue, calendar_feed_revoke
from tutordesk.calendars.tokens import new_feed_token


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
    session = make_session(match=match, scheduled_start_at=datetime(2030, 1, 15, 9, 0, tzinfo=UTC))
    row = row_of(tutor_client.get("/").content.decode(), session.id)
    assert "Sam Student" in row
    assert "Algebra" in row
    assert "Tue 15 Jan 2030, 10:00 CET" in row  # 09:00 UTC in Berlin's winter time
    assert 'href="https://meet.example.com/abc-defg-hij"' in row
    assert 'data-status="scheduled"' in row and "bg-blue-100 text-blue-800" in row
    assert f'data-left-for="{match.request_id}">10<' in row


def test_a_started_row_carries_every_action_control_in_one_compact_line(tutor_client, past_session):
    row = row_of(tutor_client.get("/").content.decode(), past_session.id)
    for action in ("done", "no_show_student", "no_show_tutor", "rescheduled"):
        assert f'data-action="{action}"' in row
    assert 'data-action="correct"' not in row
    assert 'name="idempotency_key"' in row and "csrfmiddlewaretoken" in row
    # No notes box or date picker in the row: those live in the slide-over and on the session page.
    assert "<textarea" not in row and 'type="datetime-local"' not in row


def test_an_upcoming_row_offers_only_the_reschedule(tutor_client, future_session):
    row = row_of(tutor_client.get("/").content.decode(), future_session.id)
    assert 'data-action="rescheduled"' in row
    assert 'data-action="done"' not in row


def test_the_reschedule_slide_over_has_a_labelled_new_time_in_the_viewers_zone(
    tutor, tutor_client, past_session
):
    tutor.timezone = "Asia/Tokyo"
    tutor.save(update_fields=["timezone"])
    html = tutor_client.get(
        f"/sessions/{past_session.id}/reschedule/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="panel-body"
    ).content.decode()
    assert f'<label for="new-start-{past_session.id}"' in html and "Asia/Tokyo" in html
    assert 'name="status" value="rescheduled"' in html and 'id="panel-title"' in html


def test_recorded_rows_have_no_actions_for_a_tutor(tutor_client, past_session):
    bring_to_status(past_session, "done")
    row = row_of(tutor_client.get("/").content.decode(), past_session.id)
    assert 'data-status="done"' in row
    assert "data-action=" not in row


def test_a_tutor_never_sees_another_tutors_sessions(tutor_client, past_session, other_tutor):
    foreign = make_session(match=make_match(tutor=other_tutor))
    html = tutor_client.get("/").content.decode()
    assert str(past_session.id) in html
    assert str(foreign.id) not in html


def test_empty_sections_say_so(tutor_client):
    html = tutor_client.get("/").content.decode()
    assert "Nothing waiting" in html
    assert "No upcoming sessions." in html
    assert "No recorded sessions yet." in html


def test_long_lists_come_a_page_at_a_time_with_an_older_link_per_section(tutor_client, match, package):
    now = timezone.now()
    sessions = [
        make_session(match=match, scheduled_start_at=now - timedelta(hours=hours * 3))
        for hours in range(1, 23)
    ]
    first = tutor_client.get("/").content.decode()
    assert session_ids(first, "needs-outcome") == [str(s.id) for s in sessions[:20]]
    older = link(first, "data-page-after")
    assert older.startswith("?needs=")
    second = tutor_client.get("/" + older).content.decode()
    assert session_ids(second, "needs-outcome") == [str(s.id) for s in sessions[20:]]
    assert link(second, "data-page-after") is None
    newer = tutor_client.get("/" + link(second, "data-page-before")).content.decode()
    assert session_ids(newer, "needs-outcome") == [str(s.id) for s in sessions[:20]]


def test_a_cursor_that_was_never_issued_shows_the_first_page(tutor_client, past_session):
    for junk in ("nonsense", "a.bm9wZQ", "b." + "x" * 300):
        response = tutor_client.get("/", {"needs": junk})
        assert response.status_code == 200
        assert session_ids(response.content.decode(), "needs-outcome") == [str(past_session.id)]


def test_the_dashboard_query_count_does_not_grow_with_rows(tutor_client, tutor, match, package):
    now = timezone.now()
    make_session(match=match, scheduled_start_at=now - timedelta(hours=2))
    make_session(match=match, scheduled_start_at=now + timedelta(hours=2))
    bring_to_status(make_session(match=match, scheduled_start_at=now - timedelta(hours=5)), "done")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert tutor_client.get("/").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(3):
        other = make_match(tutor=tutor)
        make_package(request=other.request)
        for hours in (6 + i, 30 + i, -30 - i):  # one tutor: never two sessions at once
            s = make_session(match=other, scheduled_start_at=now - timedelta(hours=hours))
            if hours >= 30:
                bring_to_status(s, "done")
    assert count() == few
    assert few <= 12


def test_the_admin_and_student_dashboards_query_count_does_not_grow_with_rows(admin, student, match, package):
    from tests.web.conftest import logged_in

    now = timezone.now()
    for hours in (-2, 2):
        make_session(match=match, scheduled_start_at=now + timedelta(hours=hours))
    clients = {"admin": logged_in(admin), "student": logged_in(student)}

    def counts() -> dict[str, int]:
        result = {}
        for name, client in clients.items():
            with CaptureQueriesContext(connection) as ctx:
                assert client.get("/").status_code == 200
            result[name] = len(ctx.captured_queries)
        return result

    few = counts()
    make_package(request=match.request, sessions_total=3)
    for hours in range(3, 15):
        make_session(match=match, scheduled_start_at=now + timedelta(hours=hours if hours % 2 else -hours))
    make_session(match=make_match())
    assert counts() == few
    assert few["admin"] <= 10 and few["student"] <= 10


def test_sessions_left_count_each_package_once_when_a_tutor_was_matched_twice(
    tutor, tutor_client, match, package
):
    end_match(match)
    again = make_match(tutor=tutor, request=match.request)
    session = make_session(match=again)
    assert f'data-left-for="{match.request_id}">10<' in row_of(
        tutor_client.get("/").content.decode(), session.id
    )


@pytest.mark.parametrize("with_rows", [True, False])
def test_the_calendar_button_says_on_exactly_when_the_viewer_has_a_link(with_rows, tutor, student, admin):
    """Read with the lists when they have rows, asked on its own when they have none."""
    if with_rows:
        make_session(match=make_match(tutor=tutor, student=student))
    on = '<span class="rounded-full bg-green-100 px-1.5 text-xs font-semibold text-green-800">on</span>'
    for user in (tutor, student, admin):
        client = logged_in(user)
        assert on not in client.get("/").content.decode()
        with transaction.atomic():
            calendar_feed_issue(actor=user, token=new_feed_token(user_id=user.id, idempotency_key=None))
        assert on in client.get("/").content.decode()
        with transaction.atomic():
            calendar_feed_revoke(actor=user)
        assert on not in client.get("/").content.decode()
