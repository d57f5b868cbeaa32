"""A guardian's pages (CONTRACT §11, §15): for each student they look after, the same sections and
row hooks as that student's own dashboard; the student's session pages and timelines, read-only;
the calendar feed. Anything of another student is a 404; anything their role may not do a 403."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import (
    GuardianFactory,
    StudentFactory,
    link_guardian,
    make_match,
    make_package,
    make_session,
)
from tests.helpers import bring_to_status, snapshot
from tests.web.conftest import logged_in, row_of, session_ids, status_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def sibling(guardian, other_tutor):
    """A second student the guardian looks after: Ben, with Physics and a package of 4."""
    ben = StudentFactory(name="Ben Student", email="ben@example.test")
    link_guardian(guardian, ben)
    match = make_match(tutor=other_tutor, student=ben, subject="Physics")
    make_package(request=match.request, sessions_total=4)
    return match


@pytest.fixture
def stranger_session(other_tutor):
    """A lesson of a student nobody here looks after."""
    match = make_match(tutor=other_tutor, student=StudentFactory(name="Zoe Zed"), subject="Chemistry")
    make_package(request=match.request)
    return make_session(match=match)


def actions(html: str) -> set[str]:
    """The write controls a page offers (`data-action` hooks)."""
    return set(re.findall(r'data-action="([^"]+)"', html))


def block_of(html: str, student) -> str:
    """The part of the guardian's dashboard about one student."""
    start = html.index(f'data-student-id="{student.id}"')
    end = html.find("data-student-id=", start + 20)
    return html[start : end if end != -1 else len(html)]


def test_a_guardian_sees_each_student_headed_by_name_with_the_students_own_sections(
    guardian_client, student, sibling, past_session, future_session
):
    later = make_session(match=past_session.match, scheduled_start_at=timezone.now() + timedelta(days=3))
    physics = make_session(match=sibling, scheduled_start_at=timezone.now() + timedelta(days=2))
    bring_to_status(past_session, "done")
    html = guardian_client.get("/").content.decode()

    sam, ben = block_of(html, student), block_of(html, sibling.request.student)
    assert html.index("Ben Student") < html.index("Sam Student")  # students by name
    assert ">Sam Student</h2>" in sam and ">Ben Student</h2>" in ben
    assert session_ids(sam, "upcoming") == [str(future_session.id), str(later.id)]  # soonest first
    assert session_ids(sam, "past") == [str(past_session.id)]
    assert session_ids(ben, "upcoming") == [str(physics.id)]
    assert 'data-status="done"' in row_of(sam, past_session.id)
    assert "Tara Tutor" in row_of(sam, future_session.id)  # the other party, as the student sees it
    assert "<span data-sessions-left>9</span>" in sam and "<span data-sessions-left>4</span>" in ben
    # Read-only: no outcome, reschedule or correction controls; only Cancel (CONTRACT §12), on the
    # upcoming lessons far enough ahead.
    assert actions(html) == {"cancel"}
    assert "data-action" not in row_of(sam, past_session.id)
    assert html.count('id="upcoming-title"') == 0  # each student's sections have ids of their own
    assert len(set(re.findall(r' id="([^"]+)"', html))) == len(re.findall(r' id="([^"]+)"', html))


def test_the_dashboard_never_shows_another_students_lessons(guardian_client, past_session, stranger_session):
    html = guardian_client.get("/").content.decode()
    assert str(past_session.id) in html
    assert str(stranger_session.id) not in html and "Zoe Zed" not in html


def test_a_guardian_with_no_students_sees_a_clear_empty_state(db):
    html = logged_in(GuardianFactory(name="Nora Nobody")).get("/").content.decode()
    assert "data-no-students" in html
    assert "No students are linked to your account yet." in html
    assert "data-session-id" not in html


def test_each_students_lists_page_on_their_own(guardian_client, student, match, package):
    starts = [timezone.now() + timedelta(days=d) for d in range(1, 23)]
    made = [make_session(match=match, scheduled_start_at=start) for start in starts]
    html = guardian_client.get("/").content.decode()
    after = re.search(r'href="([^"]*)"[^>]*data-page-after', block_of(html, student)).group(1)
    assert "upcoming-1=" in after.replace("&amp;", "&")
    html = guardian_client.get(after.replace("&amp;", "&")).content.decode()
    assert session_ids(block_of(html, student), "upcoming") == [str(s.id) for s in made[20:]]


def test_a_guardian_opens_the_students_session_page_read_only(guardian_client, past_session, tutor):
    bring_to_status(past_session, "done")
    future = make_session(match=past_session.match, scheduled_start_at=timezone.now() + timedelta(days=2))
    for session in (past_session, future):
        response = guardian_client.get(f"/sessions/{session.id}/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "Sam Student: Algebra with Tara Tutor</h1>" in html  # a guardian may follow several
        assert "data-timeline-entry" in html
        assert actions(html) == (set() if session is past_session else {"cancel"})
        assert "data-outcome-form" not in html and 'name="new_start_at"' not in html
        assert "Record what happened" not in html and 'id="reschedule-title"' not in html


def test_another_students_session_page_is_404(guardian_client, stranger_session):
    assert guardian_client.get(f"/sessions/{stranger_session.id}/").status_code == 404


def test_a_guardian_linked_to_one_student_gets_404_for_the_others_lessons(past_session, stranger_session):
    """Two guardians, one student each: each sees their own student's lesson, never the other's."""
    zoe_parent = logged_in(link_guardian(GuardianFactory(), stranger_session.student))
    sam_parent = logged_in(link_guardian(GuardianFactory(), past_session.student))
    assert zoe_parent.get(f"/sessions/{stranger_session.id}/").status_code == 200
    assert zoe_parent.get(f"/sessions/{past_session.id}/").status_code == 404
    assert sam_parent.get(f"/sessions/{stranger_session.id}/").status_code == 404
    assert str(past_session.id) not in zoe_parent.get("/").content.decode()


def test_every_write_of_the_pages_is_refused_to_a_guardian_and_changes_nothing(
    guardian_client, past_session, stranger_session, match
):
    bring_to_status(stranger_session, "done")
    before = snapshot()
    key = {"idempotency_key": str(uuid.uuid4())}
    for session in (past_session, stranger_session):
        assert status_post(guardian_client, session, "done").status_code == 403
        for path in ("reschedule/", "correct/", "details/", "correction/", "meet-link/retry/"):
            response = guardian_client.post(f"/sessions/{session.id}/{path}", key)
            assert response.status_code == 403, path
        assert guardian_client.get(f"/sessions/{session.id}/reschedule/").status_code == 403
    assert guardian_client.get("/sessions/new/").status_code == 403
    assert guardian_client.post("/sessions/new/", {"match": str(match.id), **key}).status_code == 403
    bulk = {"session": [str(past_session.id)], "status": "done", **key}
    assert guardian_client.post("/sessions/bulk/", bulk).status_code == 403
    assert guardian_client.post(f"/requests/{match.request_id}/packages/", key).status_code == 403
    for path in ("/packages/", "/audit/", "/audit/export.csv", "/reports/", "/webhooks/"):
        assert guardian_client.get(path).status_code == 403, path
    assert snapshot() == before


def test_a_guardian_gets_a_calendar_feed_of_their_students_lessons(
    guardian_client, past_session, stranger_session
):
    html = guardian_client.get("/").content.decode()
    assert "data-calendar-feed-button" in html
    card = guardian_client.post("/calendar-feed/", {"idempotency_key": str(uuid.uuid4())}).content.decode()
    assert "your students’ lessons" in card
    url = re.search(r"(http://testserver/calendar/[A-Za-z0-9_-]+\.ics)", card).group(1)
    feed = b"".join(Client().get(url.removeprefix("http://testserver")).streaming_content).decode()
    assert f"{past_session.id}@tutordesk" in feed and f"{stranger_session.id}@tutordesk" not in feed


def test_the_dashboard_reads_every_students_lists_together_however_many(
    guardian, guardian_client, past_session, future_session, other_tutor
):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert guardian_client.get("/").status_code == 200
        assert not any(re.search(r"\bOFFSET\b", q["sql"], re.I) for q in ctx.captured_queries)
        return len(ctx.captured_queries)

    one = count()
    for name in ("Ben Student", "Cleo Student"):
        match = make_match(tutor=other_tutor, student=StudentFactory(name=name), subject="Physics")
        make_package(request=match.request)
        make_session(match=match)
        link_guardian(guardian, match.request.student)
    # PostgreSQL reads every list in one statement; SQLite reads each list on its own.
    assert count() == one + (0 if connection.vendor == "postgresql" else 2 * 2)


def test_a_guardian_keeps_their_own_email_settings(guardian_client):
    assert guardian_client.get("/settings/notifications/").status_code == 200
