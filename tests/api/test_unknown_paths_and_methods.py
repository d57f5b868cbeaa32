"""The API's edges over real HTTP (gunicorn, production settings): an unknown path under /api/v1/ is
problem+json 404 `not_found` for every method, and a known path asked with a method it does not
take is problem+json 405 `method_not_allowed` naming the ones it does, never Django's HTML pages
(its CSRF refusal included), with no credentials, a bearer token, a bad token, or a logged-in
session cookie sent without its CSRF token (CONTRACT §4)."""

from __future__ import annotations

import http.client
import json
import re
from urllib.parse import urlencode

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from harness.servers import production_env, start_app_server, stop_app_server
from tests.factories import TEST_PASSWORD, AdminFactory
from tutordesk.accounts.services import api_token_create

pytestmark = pytest.mark.django_db(transaction=True)

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
SOME_ID = "00000000-0000-0000-0000-000000000000"
UNKNOWN_PATHS = [
    "/api/v1/nope",
    "/api/v1/",
    "/api/v1/me/",  # a known path with a trailing slash is another path
    f"/api/v1/sessions/{SOME_ID}/nope",
    f"/api/v1/webhook-endpoints/{SOME_ID}/deliveries/{SOME_ID}",
    "/api/v1/sessions/x/y/z?status=done",
]
# Known paths and the methods each takes.
KNOWN_PATHS = {
    "/api/v1/me": {"GET"},
    "/api/v1/sessions": {"GET", "POST"},
    f"/api/v1/sessions/{SOME_ID}/status": {"POST"},
    f"/api/v1/webhook-endpoints/{SOME_ID}": {"GET", "PATCH", "DELETE"},
    "/api/v1/calendar-feed": {"POST", "DELETE"},
    "/api/v1/openapi.json": {"GET", "HEAD"},
    "/api/v1/docs": {"GET", "HEAD"},
}


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    app = start_app_server(workers=1, threads=4, env=production_env(), ready_path="/healthz")
    try:
        yield app
    finally:
        stop_app_server(app)


def call(server, method: str, path: str, headers: dict[str, str] | None = None, body: bytes | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def session_cookie(server, email: str) -> str:
    """Log in through the login page, as a browser does; keep only the session cookie."""
    status, headers, page = call(server, "GET", "/accounts/login/")
    assert status == 200
    csrf_cookie = re.search(r"csrftoken=([^;]+)", headers["set-cookie"])[1]
    form_token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1].decode()
    status, headers, _ = call(
        server,
        "POST",
        "/accounts/login/",
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf_cookie}"},
        urlencode({"username": email, "password": TEST_PASSWORD, "csrfmiddlewaretoken": form_token}).encode(),
    )
    assert status == 302, "the login failed"
    return re.search(r"sessionid=([^;]+)", headers["set-cookie"])[1]


@pytest.fixture
def credentials(server) -> dict[str, dict[str, str]]:
    admin = AdminFactory()
    # The server runs with production settings, whose hashers do not include the tests' fast one.
    admin.password = PBKDF2PasswordHasher().encode(
        TEST_PASSWORD, PBKDF2PasswordHasher().salt(), iterations=1000
    )
    admin.save(update_fields=["password"])
    token = api_token_create(email=admin.email)[1]
    sessionid = session_cookie(server, admin.email)
    # The session cookie does log in: /me answers for the admin.
    status, _, body = call(server, "GET", "/api/v1/me", {"Cookie": f"sessionid={sessionid}"})
    assert status == 200 and json.loads(body)["email"] == admin.email
    return {
        "no credentials": {},
        "bearer token": {"Authorization": f"Bearer {token}"},
        "bad bearer token": {"Authorization": "Bearer not-a-token"},
        "session cookie without CSRF token": {"Cookie": f"sessionid={sessionid}"},
    }


def ask(server, method: str, path: str, auth: dict[str, str]):
    headers = dict(auth)
    body = None
    if method in {"POST", "PUT", "PATCH", "DELETE"}:
        headers["Content-Type"] = "application/json"
        body = b"{}"
    return call(server, method, path, headers, body)


def problem_of(method: str, status: int, headers: dict[str, str], body: bytes) -> tuple[int, str | None]:
    """(status, code) of a problem+json answer; HEAD answers carry no body, only the type."""
    assert headers.get("content-type") == "application/problem+json", (status, headers, body[:200])
    if method == "HEAD":
        assert body == b""
        return status, None
    problem = json.loads(body)
    assert problem["status"] == status and {"type", "title", "detail"} <= problem.keys()
    return status, problem["code"]


@pytest.mark.parametrize("path", UNKNOWN_PATHS)
def test_an_unknown_path_is_not_found_for_every_method_and_every_caller(server, credentials, path):
    answers = {}
    for method in METHODS:
        for who, auth in credentials.items():
            status, headers, body = ask(server, method, path, auth)
            answers[(method, who)] = problem_of(method, status, headers, body)
    expected = {key: (404, None if key[0] == "HEAD" else "not_found") for key in answers}
    assert answers == expected


@pytest.mark.parametrize("path", KNOWN_PATHS)
def test_a_method_a_known_path_does_not_take_is_method_not_allowed(server, credentials, path):
    allowed = KNOWN_PATHS[path]
    answers, allow_headers = {}, set()
    for method in sorted(set(METHODS) - allowed):
        for who, auth in credentials.items():
            status, headers, body = ask(server, method, path, auth)
            answers[(method, who)] = problem_of(method, status, headers, body)
            allow_headers.add(headers.get("allow"))
    expected = {key: (405, None if key[0] == "HEAD" else "method_not_allowed") for key in answers}
    assert answers == expected
    [allow] = allow_headers
    assert {m.strip() for m in allow.split(",")} == allowed


def test_the_document_and_the_docs_page_still_answer_get_and_head(server):
    for path, content_type in [("/api/v1/openapi.json", "application/json"), ("/api/v1/docs", "text/html")]:
        for method in ("GET", "HEAD"):
            status, headers, body = call(server, method, path)
            assert status == 200 and headers["content-type"].startswith(content_type), (method, path)
            assert (body == b"") == (method == "HEAD")
