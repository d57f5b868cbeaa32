"""A page per session (CONTRACT §8): its details and its whole story, every audit row about it in
words, for whoever may see the session."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import make_match, make_package, make_session, spend_sessions
from tests.helpers import bring_to_status, correct_status, update_status
from tests.web.conftest import logged_in, row_of


def page(client, session) -> str:
    response = client.get(f"/sessions/{session.id}/")
    assert response.status_code == 200
    return response.content.decode()


def entries(html: str) -> list[str]:
    """The timeline's entries, oldest first, as their kinds."""
    return re.findall(r'data-timeline-entry="([a-z]+)"', html)


def test_the_page_shows_the_sessions_details_in_the_viewers_time_zone(tutor, tutor_client, match, package):
    tutor.timezone = "Asia/Kolkata"
    tutor.save(update_fields=["timezone"])
    session = make_session(match=match, scheduled_start_at=datetime(2031, 5, 4, 8, 0, tzinfo=UTC))
    html = page(tutor_client, session)
    assert "Algebra with Sam Student" in html
    assert "Sunday 4 May 2031, 13:30 IST" in html
    assert 'data-status="scheduled"' in html and "bg-blue-100 text-blue-800" in html
    assert 'href="https://meet.example.com/abc-defg-hij"' in html
    assert f'data-session-id="{session.id}"' in html


def test_every_list_row_links_to_its_page(tutor_client, past_session, future_session):
    html = tutor_client.get("/").content.decode()
    for session in (past_session, future_session):
        assert f'href="/sessions/{session.id}/"' in row_of(html, session.id)


def test_the_timeline_tells_a_charge_and_the_packages_balance_after(
    tutor, tutor_client, past_session, package
):
    update_status(session_id=past_session.id, status="done", actor=tutor, tutor_notes="Fractions, well done")
    html = page(tutor_client, past_session)
    assert entries(html) == ["created", "recorded"]
    assert '<strong class="font-semibold">Tara Tutor</strong>\n          recorded it' in html
    assert 'data-transition="scheduled→done"' in html
    assert (
        "Charged 1 session to the package of 10" in html and "leaving <strong>9 of 10</strong> in it" in html
    )
    assert "Notes: Fractions, well done" in html
    assert "The package of 10 bought" in html  # charged to, in the details


def test_a_correction_shows_its_reason_and_refund(admin, tutor, tutor_client, past_session, package):
    spend_sessions(package, 3)
    bring_to_status(past_session, "done")
    correct_status(session_id=past_session.id, status="no_show_tutor", reason="Tutor was ill", actor=admin)
    html = page(tutor_client, past_session)
    assert entries(html) == ["created", "recorded", "corrected"]
    corrected = html[html.index('data-timeline-entry="corrected"') :]
    assert "Ada Admin" in corrected
    assert 'data-transition="done→no_show_tutor"' in corrected
    assert (
        "Refunded 1 session to the package of 10" in corrected
        and "leaving <strong>7 of 10</strong> in it" in corrected
    )
    assert "Reason: “Tutor was ill”" in corrected


def test_a_tutor_no_show_says_nothing_was_charged(tutor, tutor_client, past_session):
    update_status(session_id=past_session.id, status="no_show_tutor", actor=tutor)
    html = page(tutor_client, past_session)
    assert "No package charged or refunded." in html


def test_a_reschedule_links_both_ways(tutor, tutor_client, past_session):
    new_start = timezone.now() + timedelta(days=3)
    replacement = update_status(
        session_id=past_session.id, status="rescheduled", actor=tutor, new_start_at=new_start
    ).replacement_session
    original = page(tutor_client, past_session)
    assert f'href="/sessions/{replacement.id}/"' in original
    assert "data-replacement-session" in original and 'data-timeline-link="replacement"' in original
    assert 'data-status="rescheduled"' in original
    new = page(tutor_client, replacement)
    assert f'href="/sessions/{past_session.id}/"' in new and "data-replaced-session" in new
    assert entries(new) == ["replacement"]  # booked by the original's reschedule, told on both pages


def test_a_session_rescheduled_twice_lists_both_replacements(tutor, admin, tutor_client, past_session):
    first = update_status(
        session_id=past_session.id,
        status="rescheduled",
        actor=tutor,
        new_start_at=timezone.now() + timedelta(days=2),
    ).replacement_session
    correct_status(session_id=past_session.id, status="scheduled", reason="Back on", actor=admin)
    second = update_status(
        session_id=past_session.id,
        status="rescheduled",
        actor=tutor,
        new_start_at=timezone.now() + timedelta(days=4),
    ).replacement_session
    html = page(tutor_client, past_session)
    assert f'href="/sessions/{first.id}/"' in html and f'href="/sessions/{second.id}/"' in html
    assert entries(html) == ["created", "recorded", "corrected", "recorded"]


def test_a_student_sees_their_own_session_read_only(student_client, past_session, tutor):
    update_status(session_id=past_session.id, status="done", actor=tutor)
    html = page(student_client, past_session)
    assert "Algebra with Tara Tutor" in html and "data-action=" not in html
    assert entries(html) == ["created", "recorded"]


def test_another_tutor_or_student_gets_404(past_session, other_tutor):
    from tests.factories import StudentFactory

    assert logged_in(other_tutor).get(f"/sessions/{past_session.id}/").status_code == 404
    assert logged_in(StudentFactory()).get(f"/sessions/{past_session.id}/").status_code == 404


def test_an_unknown_session_is_404(tutor_client):
    assert tutor_client.get("/sessions/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert tutor_client.get("/sessions/not-a-uuid/").status_code == 404


def test_staff_record_an_outcome_from_the_page(tutor_client, past_session, package):
    html = page(tutor_client, past_session)
    for action in ("done", "no_show_student", "no_show_tutor", "rescheduled"):
        assert f'data-action="{action}"' in html
    key = re.search(
        r'data-outcome-form>\s*<input type="hidden" name="csrfmiddlewaretoken" value="[^"]+">\s*'
        r'<input type="hidden" name="idempotency_key" value="([^"]+)"',
        html,
    ).group(1)
    response = tutor_client.post(
        f"/sessions/{past_session.id}/status/",
        {
            "status": "done",
            "idempotency_key": key,
            "tutor_notes": "Good",
            "next": f"/sessions/{past_session.id}/",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/sessions/{past_session.id}/"
    after = page(tutor_client, past_session)
    assert "Recorded as Done." in after and 'data-status="done"' in after


def test_an_admin_corrects_from_the_page(admin, past_session, package):
    bring_to_status(past_session, "done")
    client = logged_in(admin)
    assert 'data-action="correct"' in page(client, past_session)
    tutor_view = logged_in(past_session.tutor)
    assert 'data-action="correct"' not in page(tutor_view, past_session)


def test_the_page_costs_the_same_statements_however_long_the_story(
    admin, tutor_client, tutor, match, package
):
    session = make_session(match=match)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            page(tutor_client, session)
        return len(ctx.captured_queries)

    bring_to_status(session, "done")
    few = count()
    for status in ("no_show_tutor", "done", "no_show_student", "rescheduled"):
        correct_status(session_id=session.id, status=status, reason="again", actor=admin)
    make_package(request=match.request, sessions_total=3)
    other = make_match(tutor=tutor)
    make_session(match=other)
    assert count() == few <= 10


def test_without_a_package_the_page_says_which_outcomes_use_a_session(tutor_client, past_session, package):
    html = page(tutor_client, past_session)
    assert "No package yet: Done and Student No-show each use one prepaid session" in html
    bring_to_status(past_session, "no_show_tutor")
    assert "No package: this status does not use a session" in page(tutor_client, past_session)


def test_the_page_reads_its_session_once(tutor_client, past_session):
    with CaptureQueriesContext(connection) as ctx:
        page(tutor_client, past_session)
    reads = [q["sql"] for q in ctx.captured_queries if 'FROM "sessions"' in q["sql"] and "LIMIT" in q["sql"]]
    assert len(reads) == 1, reads
