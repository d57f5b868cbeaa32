"""The student's dashboard: own sessions and sessions left, read-only."""

from __future__ import annotations

from tests.factories import make_match, make_session
from tests.helpers import bring_to_status
from tests.web.conftest import row_of


def test_a_student_sees_own_sessions_and_sessions_left_without_actions(
    student_client, past_session, future_session
):
    bring_to_status(past_session, "done")
    html = student_client.get("/").content.decode()
    assert "Your lessons" in html
    assert 'data-status="done"' in row_of(html, past_session.id)
    assert 'data-status="scheduled"' in row_of(html, future_session.id)
    assert "Tara Tutor" in row_of(html, future_session.id)
    assert "data-action=" not in html
    assert "<span data-sessions-left>9</span>" in html


def test_a_student_never_sees_another_students_sessions(student_client, past_session):
    other = make_session(match=make_match())
    assert str(other.id) not in student_client.get("/").content.decode()


def test_a_student_without_packages_sees_an_empty_state(student_client):
    html = student_client.get("/").content.decode()
    assert "You have no prepaid sessions yet." in html
    assert "No upcoming sessions." in html
