"""Idempotency-Key on every POST (CONTRACT §4): one effect per key, replays identical, reuse refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.api.conftest import ApiClient, assert_problem, token_for
from tests.factories import make_package, make_session
from tests.helpers import snapshot
from tutordesk.audit.models import AuditLog
from tutordesk.core.idempotency import request_fingerprint
from tutordesk.core.models import IdempotencyKey
from tutordesk.scheduling.models import Session
from tutordesk.tutoring.models import Package

pytestmark = pytest.mark.django_db


def test_a_retry_with_the_same_key_replays_the_first_response(tutor_api, past_session, package):
    first = tutor_api.post(f"/sessions/{past_session.id}/status", {"status": "done"}, key="k-1")
    assert first.status_code == 200
    assert "Idempotent-Replayed" not in first
    for _ in range(3):
        again = tutor_api.post(f"/sessions/{past_session.id}/status", {"status": "done"}, key="k-1")
        assert again.status_code == 200
        assert again["Idempotent-Replayed"] == "true"
        assert again.content == first.content
    package.refresh_from_db()
    assert package.sessions_used == 1
    assert AuditLog.objects.filter(entity_id=past_session.id, action="session_status_updated").count() == 1


def test_the_same_json_with_other_spacing_and_key_order_is_the_same_request(tutor_api, past_session, package):
    path = f"/sessions/{past_session.id}/status"
    tutor_api.post(path, raw='{"status":"done","tutor_notes":"ok"}', key="k-2")
    again = tutor_api.post(path, raw='{ "tutor_notes": "ok",  "status": "done" }', key="k-2")
    assert again["Idempotent-Replayed"] == "true"


def test_without_a_key_a_repeat_is_an_invalid_transition_never_a_second_charge(
    tutor_api, past_session, package
):
    tutor_api.post(f"/sessions/{past_session.id}/status", {"status": "done"})
    assert_problem(
        tutor_api.post(f"/sessions/{past_session.id}/status", {"status": "done"}), 409, "invalid_transition"
    )
    package.refresh_from_db()
    assert package.sessions_used == 1
    assert not IdempotencyKey.objects.exists()


def test_the_same_key_with_another_body_is_refused_and_changes_nothing(tutor_api, past_session, package):
    tutor_api.post(f"/sessions/{past_session.id}/status", {"status": "done"}, key="k-3")
    other = make_session(match=past_session.match)
    before = snapshot()
    assert_problem(
        tutor_api.post(f"/sessions/{past_session.id}/status", {"status": "no_show_student"}, key="k-3"),
        422,
        "idempotency_key_reused",
    )
    assert_problem(
        tutor_api.post(f"/sessions/{other.id}/status", {"status": "done"}, key="k-3"),
        422,
        "idempotency_key_reused",
    )
    assert snapshot() == before


def test_an_error_response_is_stored_and_replayed_too(tutor_api, admin_api, match):
    make_package(request=match.request, sessions_total=1, sessions_used=1)  # exhausted
    session = make_session(match=match)
    path = f"/sessions/{session.id}/status"
    first = assert_problem(tutor_api.post(path, {"status": "done"}, key="k-4"), 409, "no_active_package")
    admin_api.post("/packages", {"request_id": str(match.request_id), "sessions_total": 5})
    replay = tutor_api.post(path, {"status": "done"}, key="k-4")
    assert replay.status_code == 409
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first
    session.refresh_from_db()
    assert session.status == "scheduled"
    fresh = tutor_api.post(path, {"status": "done"}, key="k-5")
    assert fresh.status_code == 200


def test_keys_are_scoped_to_the_user(admin, tutor_api, past_session, package):
    admin_api = ApiClient(token_for(admin))
    tutor_api.post(f"/sessions/{past_session.id}/status", {"status": "done"}, key="shared")
    response = admin_api.post(
        "/packages", {"request_id": str(package.request_id), "sessions_total": 2}, key="shared"
    )
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response


def test_session_and_package_creation_run_once_per_key(tutor_api, admin_api, match):
    start = (timezone.now() + timedelta(days=2)).isoformat()
    body = {"match_id": str(match.id), "scheduled_start_at": start, "duration_minutes": 60}
    first = tutor_api.post("/sessions", body, key="create-1")
    again = tutor_api.post("/sessions", body, key="create-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    assert Session.objects.count() == 1

    body = {"request_id": str(match.request_id), "sessions_total": 4}
    admin_api.post("/packages", body, key="pkg-1")
    assert admin_api.post("/packages", body, key="pkg-1")["Idempotent-Replayed"] == "true"
    assert Package.objects.count() == 1


def test_corrections_run_once_per_key(admin_api, tutor_api, past_session, package):
    tutor_api.post(f"/sessions/{past_session.id}/status", {"status": "done"})
    body = {"status": "no_show_tutor", "reason": "ill"}
    first = admin_api.post(f"/sessions/{past_session.id}/correction", body, key="c-1")
    again = admin_api.post(f"/sessions/{past_session.id}/correction", body, key="c-1")
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert AuditLog.objects.filter(action="session_status_corrected").count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "caf\u00e9"])
def test_a_malformed_key_is_a_validation_error(tutor_api, past_session, key):
    before = snapshot()
    response = tutor_api.client.post(
        f"/api/v1/sessions/{past_session.id}/status",
        '{"status": "done"}',
        content_type="application/json",
        headers={**tutor_api.headers, "Idempotency-Key": key},
    )
    assert_problem(response, 422, "validation_error")
    assert snapshot() == before


def test_a_key_older_than_the_ttl_is_forgotten(tutor_api, past_session, package, settings):
    tutor_api.post(f"/sessions/{past_session.id}/status", {"status": "done"}, key="old")
    IdempotencyKey.objects.update(
        created_at=timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS + 1)
    )
    other = make_session(match=past_session.match)
    response = tutor_api.post(f"/sessions/{other.id}/status", {"status": "done"}, key="old")
    assert response.status_code == 200
    assert "Idempotent-Replayed" not in response


def test_the_purge_command_deletes_only_expired_keys(tutor_api, past_session, package, settings, capsys):
    tutor_api.post(f"/sessions/{past_session.id}/status", {"status": "done"}, key="expired")
    tutor_api.post(f"/sessions/{past_session.id}/status", {"status": "done"}, key="fresh")
    IdempotencyKey.objects.filter(key="expired").update(
        created_at=timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS, minutes=1)
    )
    call_command("purge_idempotency_keys")
    assert "Purged 1 idempotency key(s)" in capsys.readouterr().out
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]


def test_the_fingerprint_covers_method_path_and_canonical_body():
    base = request_fingerprint("POST", "/a", b'{"x": 1, "y": [1, 2]}')
    assert base == request_fingerprint("post", "/a", '{"y":[1,2],"x":1}')
    assert base == request_fingerprint("POST", "/a", {"x": 1, "y": [1, 2]})
    assert base != request_fingerprint("POST", "/b", b'{"x": 1, "y": [1, 2]}')
    assert base != request_fingerprint("PUT", "/a", b'{"x": 1, "y": [1, 2]}')
    assert base != request_fingerprint("POST", "/a", b'{"x": 2, "y": [1, 2]}')
    assert request_fingerprint("POST", "/a", b"\xff\xfe") != request_fingerprint("POST", "/a", b"\xff")


def test_a_body_that_is_not_json_is_refused_once_and_its_refusal_replayed(tutor_api, past_session, package):
    path = f"/sessions/{past_session.id}/status"
    first = assert_problem(tutor_api.post(path, raw="status=done", key="k-raw"), 422, "validation_error")
    replay = tutor_api.post(path, raw="status=done", key="k-raw")
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first
    assert_problem(tutor_api.post(path, {"status": "done"}, key="k-raw"), 422, "idempotency_key_reused")
    past_session.refresh_from_db()
    assert past_session.status == "scheduled"
