"""tutordesk.wsgi: an API call with a Bearer token (and no session cookie) goes through the short
middleware stack, and answers exactly as the full stack does: same status, headers and body."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import call, environ, token_for
from tests.factories import make_package, make_session
from tutordesk import wsgi

# The handlers must not close the test's database connection (conftest.keep_the_test_connection).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("keep_the_test_connection")]


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
