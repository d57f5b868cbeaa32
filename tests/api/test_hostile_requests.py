"""Requests no client should send still get the API's answer shape, and change nothing."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import BASE, assert_problem
from tests.helpers import snapshot


@pytest.mark.parametrize("moment", ["9999-12-31T23:00:00Z", "0001-01-01T01:00:00Z", "1999-12-31T23:59:00Z"])
def test_a_session_time_outside_this_century_is_a_validation_error(tutor_api, match, moment):
    before = snapshot()
    response = tutor_api.post(
        "/sessions", {"match_id": str(match.id), "scheduled_start_at": moment, "duration_minutes": 240}
    )
    assert_problem(response, 422, "validation_error")
    assert snapshot() == before


def test_a_new_start_far_in_the_future_is_a_validation_error(tutor_api, future_session):
    before = snapshot()
    response = tutor_api.post(
        f"/sessions/{future_session.id}/status",
        {"status": "rescheduled", "new_start_at": "9999-12-31T23:30:00Z"},
    )
    assert_problem(response, 422, "validation_error")
    assert snapshot() == before


def test_a_body_over_the_upload_limit_is_a_validation_error(tutor_api, past_session):
    before = snapshot()
    body = json.dumps({"status": "done", "tutor_notes": "x" * 3_000_000})
    response = tutor_api.post(f"/sessions/{past_session.id}/status", raw=body, key="big-body")
    assert_problem(response, 422, "validation_error")
    assert snapshot() == before


@pytest.mark.parametrize("depth", [100_000, 2_000, 900])
def test_a_body_nested_too_deep_is_a_validation_error_stored_under_its_key(tutor_api, past_session, depth):
    before = snapshot()
    body = "[" * depth + "]" * depth
    first = tutor_api.post(f"/sessions/{past_session.id}/status", raw=body, key=f"deep-{depth}")
    assert_problem(first, 422, "validation_error")
    again = tutor_api.post(f"/sessions/{past_session.id}/status", raw=body, key=f"deep-{depth}")
    assert again.status_code == 422 and again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert snapshot() == before


def test_too_many_query_fields_are_a_validation_error(tutor_api):
    query = "&".join(f"x{i}=1" for i in range(1200))
    assert_problem(tutor_api.get(f"/sessions?{query}"), 422, "validation_error")


def test_a_nul_character_in_a_query_is_a_validation_error(admin_api):
    assert_problem(admin_api.get("/sessions", {"status": "done\x00"}), 422, "validation_error")


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_wrong_method_is_a_problem_with_an_allow_header(tutor_api, past_session, method):
    response = getattr(tutor_api.client, method)(
        f"{BASE}/sessions/{past_session.id}/status", headers=tutor_api.headers
    )
    body = assert_problem(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]
    assert body["status"] == 405


def test_an_invalid_body_under_a_key_is_stored_and_replayed(tutor_api, past_session, package):
    first = tutor_api.post(f"/sessions/{past_session.id}/status", {"status": "bogus"}, key="k-invalid")
    assert_problem(first, 422, "validation_error")
    again = tutor_api.post(f"/sessions/{past_session.id}/status", {"status": "bogus"}, key="k-invalid")
    assert again.status_code == 422 and again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    other = tutor_api.post(f"/sessions/{past_session.id}/status", {"status": "done"}, key="k-invalid")
    assert_problem(other, 422, "idempotency_key_reused")
    package.refresh_from_db()
    assert package.sessions_used == 0


@pytest.mark.parametrize("value", ["60", 60.5, True, None])
def test_a_duration_must_be_a_json_integer(tutor_api, match, value):
    before = snapshot()
    response = tutor_api.post(
        "/sessions",
        {"match_id": str(match.id), "scheduled_start_at": "2086-01-01T09:00:00Z", "duration_minutes": value},
    )
    assert_problem(response, 422, "validation_error")
    assert snapshot() == before


@pytest.mark.parametrize("value", ["5", 5.5, True])
def test_sessions_total_must_be_a_json_integer(admin_api, match, value):
    before = snapshot()
    response = admin_api.post("/packages", {"request_id": str(match.request_id), "sessions_total": value})
    assert_problem(response, 422, "validation_error")
    assert snapshot() == before


def test_a_whole_number_written_as_a_float_is_that_integer_as_json_schema_says(tutor_api, admin_api, match):
    response = tutor_api.post(
        "/sessions",
        {"match_id": str(match.id), "scheduled_start_at": "2086-01-01T09:00:00Z", "duration_minutes": 15.0},
    )
    assert response.status_code == 201, response.content
    assert response.json()["duration_minutes"] == 15
    response = admin_api.post("/packages", {"request_id": str(match.request_id), "sessions_total": 5.0})
    assert response.status_code == 201, response.content
    assert response.json()["sessions_total"] == 5
