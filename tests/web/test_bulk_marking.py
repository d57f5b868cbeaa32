"""Marking several sessions at once (CONTRACT §8): each session is its own all-or-nothing change
with its own key, and the page says which were recorded and which were refused, and why."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from html import unescape

from django.utils import timezone

from tests.factories import make_match, make_package, make_session
from tests.helpers import bring_to_status
from tests.web.conftest import logged_in, row_of
from tutordesk.audit.models import AuditLog
from tutordesk.scheduling.models import Session
from tutordesk.tutoring.models import Package


def bulk(client, sessions, status: str, *, key: str | None = None, next: str = "/"):
    data = {
        "status": status,
        "session": [str(s.id) for s in sessions],
        "idempotency_key": key or str(uuid.uuid4()),
        "next": next,
    }
    return client.post("/sessions/bulk/", data)


def results(client) -> dict[str, list[str]]:
    html = client.get("/").content.decode()
    found: dict[str, list[str]] = {"recorded": [], "refused": []}
    for kind, text in re.findall(r'data-bulk-result="(\w+)">([^<]*)<', html):
        found[kind].append(unescape(text))
    return found


def statuses(*sessions) -> list[str]:
    return [Session.objects.get(pk=s.pk).status for s in sessions]


def test_needs_outcome_rows_are_selectable_and_the_bulk_actions_are_there(
    tutor_client, past_session, future_session
):
    html = tutor_client.get("/").content.decode()
    assert "data-select" in row_of(html, past_session.id)
    assert "data-select" not in row_of(html, future_session.id)
    for action in ("bulk_done", "bulk_no_show_student", "bulk_no_show_tutor"):
        assert f'data-action="{action}"' in html
    assert f'name="session" value="{past_session.id}" form="bulk-form"' in html


def test_three_sessions_marked_done_at_once_each_charge_once(tutor_client, match, package):
    now = timezone.now()
    sessions = [make_session(match=match, scheduled_start_at=now - timedelta(hours=h)) for h in (1, 3, 5)]
    response = bulk(tutor_client, sessions, "done")
    assert response.status_code == 302 and response["Location"] == "/"
    assert statuses(*sessions) == ["done"] * 3
    package.refresh_from_db()
    assert package.sessions_used == 3
    assert AuditLog.objects.filter(action="session_status_updated").count() == 3
    summary = results(tutor_client)
    assert len(summary["recorded"]) == 1 and summary["refused"] == []
    assert summary["recorded"][0].startswith("Recorded 3 sessions as Done: Sam Student · Algebra, ")


def test_a_refused_session_is_named_with_its_reason_and_the_others_go_through(tutor, tutor_client, match):
    make_package(request=match.request, sessions_total=1)
    now = timezone.now()
    first, second = (make_session(match=match, scheduled_start_at=now - timedelta(hours=h)) for h in (1, 3))
    ahead = make_session(match=match, scheduled_start_at=now + timedelta(hours=3))
    bulk(tutor_client, [first, second, ahead], "done")
    assert statuses(first, second, ahead) == ["done", "scheduled", "scheduled"]
    summary = results(tutor_client)
    assert summary["recorded"] == [f"Recorded 1 session as Done: {words(first)}."]
    assert (
        f"Not recorded as Done — {words(second)}: This student has no sessions left — ask an admin to add a package."
        in summary["refused"]
    )
    assert (
        f"Not recorded as Done — {words(ahead)}: This session hasn't started yet. You can record an outcome once it has."
        in summary["refused"]
    )


def words(session) -> str:
    start = timezone.localtime(Session.objects.get(pk=session.pk).scheduled_start_at)
    return f"Sam Student · Algebra, {start:%a %-d %b %Y, %H:%M} {start:%Z}"


def test_each_session_has_its_own_key_so_a_retried_submit_changes_nothing_more(tutor_client, match, package):
    sessions = [make_session(match=match) for _ in range(2)]
    key = str(uuid.uuid4())
    bulk(tutor_client, sessions, "no_show_student", key=key)
    first = results(tutor_client)
    bulk(tutor_client, sessions, "no_show_student", key=key)
    assert results(tutor_client) == first
    package.refresh_from_db()
    assert package.sessions_used == 2
    assert AuditLog.objects.filter(action="session_status_updated").count() == 2


def test_an_already_recorded_session_in_the_selection_is_refused_in_words(tutor_client, match, package):
    done, waiting = make_session(match=match), make_session(match=match)
    bring_to_status(done, "no_show_tutor")
    bulk(tutor_client, [done, waiting], "done")
    assert statuses(done, waiting) == ["no_show_tutor", "done"]
    refused = results(tutor_client)["refused"]
    assert refused == [
        f"Not recorded as Done — {words(done)}: This session is already Tutor No-show, so that change is not possible."
    ]


def test_another_tutors_session_slipped_into_the_form_is_refused_and_untouched(
    tutor_client, past_session, other_tutor
):
    foreign = make_session(match=make_match(tutor=other_tutor))
    bulk(tutor_client, [past_session, foreign], "no_show_tutor")
    assert statuses(past_session, foreign) == ["no_show_tutor", "scheduled"]
    summary = results(tutor_client)
    assert summary["refused"] == [
        "Not recorded as Tutor No-show — A session: It is no longer available to you. Reload the page."
    ]
    assert str(foreign.id) not in tutor_client.get("/").content.decode()


def test_nothing_selected_or_a_bad_status_changes_nothing(tutor_client, past_session):
    response = tutor_client.post("/sessions/bulk/", {"status": "done", "idempotency_key": "k"}, follow=True)
    assert "Select at least one session first." in response.content.decode()
    response = bulk(tutor_client, [past_session], "rescheduled")
    assert response.status_code == 302
    response = tutor_client.post(
        "/sessions/bulk/", {"status": "done", "session": ["nope"], "idempotency_key": "k"}, follow=True
    )
    assert response.status_code == 200
    assert statuses(past_session) == ["scheduled"]


def test_students_cannot_bulk_mark(student_client, past_session):
    assert bulk(student_client, [past_session], "done").status_code == 403
    assert statuses(past_session) == ["scheduled"]


def test_an_admin_marks_any_tutors_sessions_from_the_awaiting_view(admin, past_session, other_tutor):
    foreign = make_session(match=make_match(tutor=other_tutor))
    make_package(request=foreign.request)
    client = logged_in(admin)
    html = client.get("/?status=awaiting_outcome").content.decode()
    assert "data-select" in row_of(html, foreign.id) and 'data-action="bulk_done"' in html
    bulk(client, [past_session, foreign], "no_show_tutor", next="/?status=awaiting_outcome")
    assert statuses(past_session, foreign) == ["no_show_tutor", "no_show_tutor"]
    assert Package.objects.filter(sessions_used__gt=0).count() == 0


def test_a_form_key_too_long_to_share_with_a_session_id_is_refused_in_words(tutor_client, past_session):
    # Each session's key is `<form key>:<session id>`, which must stay within the 255-character rule.
    response = bulk(tutor_client, [past_session], "done", key="k" * 255)
    assert response.status_code == 302
    page = tutor_client.get("/").content.decode()
    assert "The form&#x27;s key is damaged; reload the page and try again." in page
    assert statuses(past_session) == ["scheduled"]
