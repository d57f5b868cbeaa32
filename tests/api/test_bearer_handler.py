"""tutordesk.wsgi: an API call with a Bearer token (and no session cookie) goes through the short
middleware stack, and answers exactly as the full stack does: same status, headers and body."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from tests.api.conftest import token_for
from tests.factories import make_package, make_session
from tutordesk import wsgi

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Iterator[None]:
    # As Django's test client does: the handlers must not close the test's database connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def environ(method: str, path: str, *, body: bytes = b"", **headers: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
        "REMOTE_ADDR": "127.0.0.1",
        **{"HTTP_" + name.upper(): value for name, value in headers.items()},
    }


def call(app: Any, env: dict[str, Any]) -> tuple[str, dict[str, str], bytes]:
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        answer["status"], answer["headers"] = status, dict(headers)

    result = app(env, start_response)
    try:
        body = b"".join(result)
    finally:
        result.close()
    return answer["status"], answer["headers"], body


def test_which_requests_take_the_short_stack():
    bearer = {"HTTP_AUTHORIZATION": "Bearer td_x"}
    assert wsgi.takes_bearer_path({"PATH_INFO": "/api/v1/me", **bearer})
    assert wsgi.takes_bearer_path({"PATH_INFO": "/api/v1/me", "HTTP_AUTHORIZATION": "bearer td_x"})
    assert not wsgi.takes_bearer_path({"PATH_INFO": "/api/v1/me"})
    assert not wsgi.takes_bearer_path({"PATH_INFO": "/api/v1/me", "HTTP_AUTHORIZATION": "Basic eA=="})
    assert not wsgi.takes_bearer_path({"PATH_INFO": "/sessions", **bearer})
    # A browser's session cookie beside the token: the full stack, as before.
    assert not wsgi.takes_bearer_path({"PATH_INFO": "/api/v1/me", "HTTP_COOKIE": "sessionid=abc", **bearer})
    assert wsgi.takes_bearer_path({"PATH_INFO": "/api/v1/me", "HTTP_COOKIE": "csrftoken=abc", **bearer})


def test_the_short_stack_answers_as_the_full_one(match, tutor):
    make_package(request=match.request, sessions_total=5)
    token = token_for(tutor)
    sessions = [make_session(match=match) for _ in range(2)]
    auth = {"AUTHORIZATION": f"Bearer {token}"}
    body = json.dumps({"status": "done"}).encode()
    cases = [
        ("GET", "/api/v1/me", b"", {}),
        ("GET", "/api/v1/sessions?status=scheduled", b"", {}),
        ("GET", "/api/v1/nope", b"", {}),
        ("DELETE", f"/api/v1/sessions/{sessions[0].id}/status", b"", {}),
        ("POST", f"/api/v1/sessions/{sessions[0].id}/status", b"{", {"IDEMPOTENCY_KEY": "bad-body"}),
        ("GET", "/api/v1/me", b"", {"AUTHORIZATION": "Bearer td_wrong"}),
    ]
    for method, path, payload, extra in cases:
        env = {**auth, **extra}
        if path.startswith("/api/v1/sessions?"):
            path, query = path.split("?")
            full_env, short_env = environ(method, path, **env), environ(method, path, **env)
            full_env["QUERY_STRING"] = short_env["QUERY_STRING"] = query
        else:
            full_env, short_env = (environ(method, path, body=payload, **env) for _ in range(2))
        assert wsgi.takes_bearer_path(short_env)
        full, short = call(wsgi._full, full_env), call(wsgi._bearer_api, short_env)
        if "IDEMPOTENCY_KEY" in extra:
            # The second answer under the key is the first one replayed.
            assert short[1].pop("Idempotent-Replayed") == "true"
        assert full == short, (method, path)

    # A status update through each stack: the same status, the same headers, the same shape.
    answers = [
        call(
            app,
            environ(
                "POST",
                f"/api/v1/sessions/{session.id}/status",
                body=body,
                IDEMPOTENCY_KEY=f"stack-{n}",
                **auth,
            ),
        )
        for n, (app, session) in enumerate([(wsgi._full, sessions[0]), (wsgi._bearer_api, sessions[1])])
    ]
    (full_status, full_headers, full_body), (short_status, short_headers, short_body) = answers
    assert full_status == short_status == "200 OK"
    assert full_headers.keys() == short_headers.keys()
    assert full_headers["Content-Type"] == short_headers["Content-Type"]
    assert json.loads(full_body).keys() == json.loads(short_body).keys()
    assert json.loads(short_body)["session"]["status"] == "done"
