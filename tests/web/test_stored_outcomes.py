"""A page's stored outcome is typed (web.outcomes) and read back into its type on a replay, and an
answer stored before the outcomes were typed (a dict's JSON, with the keys it had then) replays
the same way: a retried form never runs its change again, whichever version stored its answer."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from tests.events.conftest import make_endpoint
from tests.factories import make_session
from tests.web.conftest import logged_in
from tutordesk.audit.models import AuditLog
from tutordesk.core.idempotency import request_fingerprint
from tutordesk.core.models import IdempotencyKey
from tutordesk.scheduling.models import Session
from tutordesk.web.outcomes import Done, EndpointAdded, Recorded, Refused, Scheduled, SecretMade, parse

pytestmark = pytest.mark.django_db


def store(user, key: str, path: str, payload: dict, body: dict) -> None:
    """An answer as an earlier version of the pages stored it for this form."""
    IdempotencyKey.objects.create(
        user=user,
        key=key,
        fingerprint=request_fingerprint("POST", path, payload),
        status_code=200,
        response_body=json.dumps(body),
    )


STATUS_PAYLOAD = {"status": "done", "tutor_notes": None, "new_start_at": None}


@pytest.mark.parametrize(
    ("answer", "body", "expected"),
    [
        (
            Recorded,
            {"notice": "Recorded as Done.", "replacement_id": None},
            Recorded(notice="Recorded as Done."),
        ),
        (Recorded, {"ok": True}, Recorded()),
        (Recorded, {"already": True}, Recorded(already=True)),
        (
            Recorded,
            {"refused": "not_found", "error": "No such session"},
            Refused(refused="not_found", error="No such session"),
        ),
        (
            Scheduled,
            {"session_id": "7f0c2a52-5d0e-4c8e-9d8e-0f1f2a3b4c5d"},
            Scheduled(session_id=uuid.UUID("7f0c2a52-5d0e-4c8e-9d8e-0f1f2a3b4c5d")),
        ),
        (
            Scheduled,
            {"error": "Choose one of the matches in the list.", "field": "match"},
            Refused(error="Choose one of the matches in the list.", field="match"),
        ),
        (Done, {"issued": True}, Done()),
        (Done, {"revoked": True}, Done()),
        (
            Done,
            {"notice": "Endpoint deleted.", "next": "/webhooks/"},
            Done(notice="Endpoint deleted.", next="/webhooks/"),
        ),
        (SecretMade, {"secret": "whsec_abc"}, SecretMade(secret="whsec_abc")),
        (
            EndpointAdded,
            {"endpoint_id": "7f0c2a52-5d0e-4c8e-9d8e-0f1f2a3b4c5d", "secret": "whsec_abc"},
            EndpointAdded(endpoint_id=uuid.UUID("7f0c2a52-5d0e-4c8e-9d8e-0f1f2a3b4c5d"), secret="whsec_abc"),
        ),
    ],
)
def test_every_shape_stored_before_the_types_reads_into_its_type(answer, body, expected):
    assert parse(answer, json.loads(json.dumps(body))) == expected


def test_a_typed_outcome_reads_back_as_itself():
    for outcome in (
        Recorded(notice="n", replacement_id=uuid.uuid4()),
        Refused(error="e", refused="forbidden"),
    ):
        stored = json.loads(json.dumps(outcome.model_dump(mode="json", exclude_none=True)))
        assert parse(Recorded, stored) == outcome


def test_an_old_status_answer_is_replayed_and_the_change_not_run_again(
    tutor, tutor_client, past_session, package
):
    path = f"/sessions/{past_session.id}/status/"
    store(tutor, "old-1", path, STATUS_PAYLOAD, {"notice": "Recorded as Done.", "replacement_id": None})
    response = tutor_client.post(path, {"status": "done", "idempotency_key": "old-1"}, follow=True)
    assert response.status_code == 200
    assert "Recorded as Done." in response.content.decode()
    past_session.refresh_from_db()
    assert past_session.status == "scheduled"  # the stored answer was replayed: nothing ran
    package.refresh_from_db()
    assert package.sessions_used == 0


def test_an_old_refusal_that_hid_the_session_is_still_a_404(tutor, tutor_client, past_session):
    path = f"/sessions/{past_session.id}/status/"
    store(tutor, "old-2", path, STATUS_PAYLOAD, {"refused": "not_found", "error": "No such session"})
    response = tutor_client.post(path, {"status": "done", "idempotency_key": "old-2"})
    assert response.status_code == 404
    past_session.refresh_from_db()
    assert past_session.status == "scheduled"


def test_old_bulk_answers_count_as_recorded(tutor, tutor_client, match, package):
    first, second = make_session(match=match), make_session(match=match)
    for session, body in ((first, {"ok": True}), (second, {"already": True})):
        store(
            tutor,
            f"bulk-1:{session.id}",
            "/sessions/bulk/",
            {"session": str(session.id), "status": "done"},
            body,
        )
    response = tutor_client.post(
        "/sessions/bulk/",
        {"status": "done", "session": [str(first.id), str(second.id)], "idempotency_key": "bulk-1"},
        follow=True,
    )
    assert "Recorded 2 sessions as Done" in response.content.decode()
    assert list(Session.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == [
        "scheduled",
        "scheduled",
    ]


def test_an_old_schedule_answer_names_the_session_it_made(tutor, tutor_client, match):
    made = make_session(match=match)
    # the fingerprint covers the form's cleaned fields (the tutor reads times in UTC)
    cleaned = {
        "match": match.id,
        "scheduled_start_at": datetime(2031, 6, 2, 10, 0, tzinfo=UTC),
        "duration_minutes": 60,
        "meet_link": None,
    }
    store(tutor, "old-3", "/sessions/new/", cleaned, {"session_id": str(made.id)})
    form = {
        "match": str(match.id),
        "scheduled_start_at": "2031-06-02T10:00",
        "duration_minutes": "60",
        "meet_link": "",
        "idempotency_key": "old-3",
    }
    response = tutor_client.post("/sessions/new/", form, follow=True)
    assert "Scheduled:" in response.content.decode()
    assert Session.objects.filter(match=match).count() == 1  # nothing new was booked


def test_an_old_calendar_answer_shows_the_link(tutor, tutor_client):
    store(tutor, "old-4", "/calendar-feed/", {"action": "issue"}, {"issued": True})
    html = tutor_client.post("/calendar-feed/", {"idempotency_key": "old-4"}).content.decode()
    assert "/calendar/" in html and ".ics" in html
    assert not AuditLog.objects.filter(actor=tutor).exists()  # nothing issued now


def test_an_old_webhook_answer_shows_its_secret_again(admin):
    endpoint, _ = make_endpoint("https://93.184.216.34/hooks")
    payload = {"url": "https://93.184.216.34/hooks", "events": ["session.created"], "description": ""}
    store(admin, "old-5", "/webhooks/add/", payload, {"endpoint_id": str(endpoint.id), "secret": "whsec_old"})
    html = logged_in(admin).post("/webhooks/add/", {**payload, "idempotency_key": "old-5"}).content.decode()
    assert "data-secret>whsec_old<" in html
