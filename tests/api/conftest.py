"""API test fixtures: a JSON client per persona, authenticated with a real API token."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client

from tutordesk.accounts.services import api_token_create

BASE = "/api/v1"


class ApiClient:
    """Talks to /api/v1 as one user (or nobody) through Django's test client."""

    def __init__(self, token: str | None = None, client: Client | None = None) -> None:
        self.client = client or Client()
        self.headers: dict[str, str] = {}
        if token is not None:
            self.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, params: dict[str, Any] | None = None, **headers: str):
        return self.client.get(BASE + path, params or {}, headers={**self.headers, **headers})

    def post(
        self,
        path: str,
        body: Any = None,
        *,
        key: str | None = None,
        raw: bytes | str | None = None,
        content_type: str = "application/json",
        **headers: str,
    ):
        all_headers = {**self.headers, **headers}
        if key is not None:
            all_headers["Idempotency-Key"] = key
        data = raw if raw is not None else json.dumps(body)
        return self.client.post(BASE + path, data, content_type=content_type, headers=all_headers)

    def patch(
        self,
        path: str,
        body: Any = None,
        *,
        key: str | None = None,
        raw: bytes | str | None = None,
        **headers: str,
    ):
        all_headers = {**self.headers, **headers}
        if key is not None:
            all_headers["Idempotency-Key"] = key
        data = raw if raw is not None else json.dumps(body)
        return self.client.patch(BASE + path, data, content_type="application/json", headers=all_headers)

    def delete(self, path: str, **headers: str):
        return self.client.delete(BASE + path, headers={**self.headers, **headers})


def token_for(user) -> str:
    return api_token_create(email=user.email)[1]


@pytest.fixture
def anonymous_api():
    return ApiClient()


@pytest.fixture
def tutor_api(tutor):
    return ApiClient(token_for(tutor))


@pytest.fixture
def other_tutor_api(other_tutor):
    return ApiClient(token_for(other_tutor))


@pytest.fixture
def student_api(student):
    return ApiClient(token_for(student))


@pytest.fixture
def admin_api(admin):
    return ApiClient(token_for(admin))


def assert_problem(response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    assert body["status"] == status
    assert {"type", "title", "detail"} <= body.keys()
    return body


# -- calling the WSGI application gunicorn serves, without an HTTP server ----------------------


@pytest.fixture
def keep_the_test_connection() -> Iterator[None]:
    """For tests that call the WSGI application itself: as Django's test client does, the request
    cycle must not close the test's database connection."""
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
