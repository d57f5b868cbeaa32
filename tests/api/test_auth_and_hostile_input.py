"""Authentication (Bearer token, session cookie with CSRF) and inputs that must never reach a 500."""

from __future__ import annotations

import json

import pytest
from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
from django.test import Client

from tests.api.conftest import ApiClient, assert_problem
from tests.helpers import snapshot
from tutordesk.accounts.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Bearer td_wrong",
        "Basic dXNlcjpwYXNz",
        "Token abc",
        "Bearer " + "x" * 5000,
    ],
)
def test_it_refuses_missing_or_bad_credentials(authorization, past_session):
    headers = {} if authorization is None else {"Authorization": authorization}
    response = Client().get("/api/v1/me", headers=headers)
    assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")
    write = Client().post(
        f"/api/v1/sessions/{past_session.id}/status", {"status": "done"}, "application/json", headers=headers
    )
    assert_problem(write, 401, "not_authenticated")


def test_a_revoked_token_is_refused(tutor):
    token, raw = api_token_create(email=tutor.email)
    api_token_revoke(token_id=token.pk, actor=tutor)
    assert_problem(ApiClient(raw).get("/me"), 401, "not_authenticated")


def test_a_logged_in_browser_reads_with_its_session_cookie(tutor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(tutor, backend="tutordesk.accounts.backends.EmailBackend")
    assert client.get("/api/v1/me").json()["email"] == tutor.email


def test_a_browser_write_needs_the_csrf_token(tutor, past_session, package):
    client = Client(enforce_csrf_checks=True)
    client.force_login(tutor, backend="tutordesk.accounts.backends.EmailBackend")
    path = f"/api/v1/sessions/{past_session.id}/status"
    before = snapshot()
    refused = client.post(path, {"status": "done"}, "application/json")
    assert_problem(refused, 403, "forbidden")
    assert snapshot() == before

    secret = _get_new_csrf_string()  # what a page with {% csrf_token %} would have set
    client.cookies["csrftoken"] = secret
    accepted = client.post(
        path, {"status": "done"}, "application/json", headers={"X-CSRFToken": _mask_cipher_secret(secret)}
    )
    assert accepted.status_code == 200, accepted.content


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"[1, 2]",
        b'"done"',
        b"null",
        b'{"status": "done\\u0000"}',
        b'{"status": "done", "tutor_notes": "a\\u0000b"}',
        b'{"status": "done", "tutor_notes": "\\ud800"}',
        b'{"status": "done", "\\ud800": 1}',
        b"\xff\xfe\x00",
        b'{"status": "done", "tutor_notes": ' + b"[" * 100000 + b"]" * 100000 + b"}",
        b'{"status": "rescheduled", "new_start_at": "0001-01-01T00:00:00+14:00"}',
        b'{"status": "rescheduled", "new_start_at": "9999-12-31T23:59:59-14:00"}',
        b'{"status": "rescheduled", "new_start_at": 1e400}',
        b'{"status": "done", "tutor_notes": 12}',
    ],
)
def test_a_hostile_status_body_is_a_validation_error(tutor_api, past_session, raw):
    before = snapshot()
    response = tutor_api.post(f"/sessions/{past_session.id}/status", raw=raw)
    assert_problem(response, 422, "validation_error")
    assert snapshot() == before


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
def test_a_body_of_another_content_type_is_a_validation_error(tutor_api, past_session, content_type):
    response = tutor_api.post(
        f"/sessions/{past_session.id}/status", raw="status=done", content_type=content_type
    )
    assert_problem(response, 422, "validation_error")


@pytest.mark.parametrize(
    "body",
    [
        {
            "match_id": "00000000-0000-0000-0000-000000000000",
            "scheduled_start_at": "2030-01-01T10:00:00Z",
            "duration_minutes": 10**100,
        },
        {"match_id": "\u0000", "scheduled_start_at": "2030-01-01T10:00:00Z", "duration_minutes": 60},
        {
            "match_id": "00000000-0000-0000-0000-000000000000",
            "scheduled_start_at": "2030-01-01T10:00:00Z",
            "duration_minutes": 60,
            "meet_link": "https://x\u0000",
        },
    ],
)
def test_a_hostile_session_body_is_a_validation_error(tutor_api, body):
    assert_problem(tutor_api.post("/sessions", body), 422, "validation_error")


@pytest.mark.parametrize(
    "path",
    [
        "/sessions/%00",
        "/sessions/" + "9" * 400,
        "/packages/%F0%9F%98%80",
        "/sessions?status=%00",
        "/audit-logs?action=%00",
        "/audit-logs?entity_type=" + "x" * 100,
        "/sessions?cursor=%00",
        "/sessions?limit=99999999999999999999999999",
    ],
)
def test_hostile_reads_are_client_errors(admin_api, path):
    response = admin_api.client.get("/api/v1" + path, headers=admin_api.headers)
    assert 400 <= response.status_code < 500
    assert response["Content-Type"] == "application/problem+json"


def test_an_unknown_api_path_is_a_problem_not_found(admin_api):
    assert_problem(admin_api.get("/nothing/here"), 404, "not_found")


def test_the_openapi_document_and_docs_are_served(anonymous_api):
    schema = anonymous_api.get("/openapi.json").json()
    assert {"/api/v1/sessions", "/api/v1/sessions/{session_id}/status", "/api/v1/audit-logs"} <= set(
        schema["paths"]
    )
    status_post = schema["paths"]["/api/v1/sessions/{session_id}/status"]["post"]
    assert {"200", "401", "403", "404", "409", "422"} <= set(status_post["responses"])
    assert "application/problem+json" in status_post["responses"]["409"]["content"]
    docs = anonymous_api.client.get("/api/v1/docs")
    assert docs.status_code == 200
    # Swagger UI comes from our own static files: the docs work on a machine without internet.
    assert b"/static/ninja/swagger-ui-bundle.js" in docs.content
    assert b"cdn." not in docs.content
    assert anonymous_api.client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200


def test_the_openapi_document_has_no_duplicate_keys_so_swagger_ui_renders_it(anonymous_api):
    def no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
        keys = [key for key, _ in pairs]
        assert len(keys) == len(set(keys)), f"duplicate keys: {sorted(k for k in keys if keys.count(k) > 1)}"
        return dict(pairs)

    schema = json.loads(anonymous_api.get("/openapi.json").content, object_pairs_hook=no_duplicates)
    listed = schema["paths"]["/api/v1/packages"]["get"]["responses"]["200"]
    assert "application/json" in listed["content"]
    assert "Link" in listed["headers"]
