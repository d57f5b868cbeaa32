"""api.hot_path: the status update's plain call skips ninja's parsing, and every call — plain or
not — answers exactly as ninja's own view for the path answers it, with the same rows written."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

import pytest
from django.conf import settings
from django.test import RequestFactory, override_settings
from django.urls import include, path
from pydantic import StringConstraints, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from tests.api.conftest import call, environ
from tests.factories import make_match, make_package, make_session
from tutordesk import urls as root_urls
from tutordesk import wsgi
from tutordesk.accounts.services import api_token_create
from tutordesk.api import hot_path
from tutordesk.api import urls as api_urls
from tutordesk.audit.models import AuditLog
from tutordesk.core.idempotency import KEY_PATTERN, is_valid_key
from tutordesk.core.models import IdempotencyKey
from tutordesk.events.models import Event
from tutordesk.scheduling.models import Session
from tutordesk.tutoring.models import Package

# The same site with the API as ninja alone serves it: the hot view's route left out.
urlpatterns = [
    path(
        "api/v1/",
        include([p for p in api_urls.urlpatterns if p.callback is not hot_path.sessions_update_status_view]),
    )
    if getattr(p, "pattern", None) is not None and str(p.pattern) == "api/v1/"
    else p
    for p in root_urls.urlpatterns
]
NINJA_ONLY = __name__

factory = RequestFactory()


def post(body: str = '{"status": "done"}', **headers: str) -> Any:
    return factory.post(
        "/api/v1/sessions/x/status",
        body,
        content_type="application/json",
        headers={"Idempotency-Key": "k-1", "Authorization": "Bearer td_x", **headers},
    )


def test_the_plain_call_is_recognised():
    key, payload = hot_path.plain_call(post())  # type: ignore[misc]
    assert key == "k-1" and payload.status == "done" and payload.tutor_notes is None
    key, payload = hot_path.plain_call(post('{"status": "no_show_student", "tutor_notes": "late"}'))  # type: ignore[misc]
    assert payload.status == "no_show_student" and payload.tutor_notes == "late"
    found = hot_path.plain_call(
        post(
            '{"status": "rescheduled", "new_start_at": "2030-01-02T10:00:00Z"}', **{"Idempotency-Key": "x y"}
        )
    )
    assert found is not None and found[0] == "x y" and found[1].new_start_at is not None
    # A CSRF cookie is no login: the call stays plain.
    assert hot_path.plain_call(post(Cookie="csrftoken=abc")) is not None


@pytest.mark.parametrize(
    "request_",
    [
        pytest.param(lambda: factory.get("/api/v1/sessions/x/status"), id="GET"),
        pytest.param(
            lambda: factory.put("/api/v1/sessions/x/status", "{}", content_type="application/json"), id="PUT"
        ),
        pytest.param(
            lambda: factory.post(
                "/api/v1/sessions/x/status", '{"status": "done"}', content_type="application/json"
            ),
            id="no key",
        ),
        pytest.param(lambda: post(**{"Idempotency-Key": " k"}), id="key with a leading space"),
        pytest.param(lambda: post(**{"Idempotency-Key": "k" * 256}), id="key too long"),
        pytest.param(lambda: post(**{"Idempotency-Key": "k\n"}), id="key with a final newline"),
        pytest.param(lambda: post(Cookie=f"{settings.SESSION_COOKIE_NAME}=abc"), id="session cookie"),
        pytest.param(lambda: post(""), id="empty body"),
        pytest.param(
            lambda: post(
                '{"status": "done", "tutor_notes": "%s"}' % ("x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
            ),
            id="over the upload limit",
        ),
        pytest.param(lambda: post("{"), id="not JSON"),
        pytest.param(lambda: post("[]"), id="not an object"),
        pytest.param(lambda: post('{"status": "finished"}'), id="unknown status"),
        pytest.param(lambda: post('{"status": "done", "extra": 1}'), id="unknown field"),
        pytest.param(lambda: post('{"status": "done", "tutor_notes": "a\\u0000b"}'), id="NUL"),
        pytest.param(lambda: post('{"status": "done", "tutor_notes": "\\ud800"}'), id="lone surrogate"),
        pytest.param(lambda: post('{"status": "rescheduled", "new_start_at": "soon"}'), id="not a time"),
    ],
)
def test_everything_else_goes_to_ninja(request_):
    assert hot_path.plain_call(request_()) is None


@pytest.mark.parametrize("key", ["k\n", "k" * 255 + "\n", " k", "k ", "k\tk", "ké", ""])
def test_the_key_rule_is_the_headers_rule(key):
    # The API header's check is pydantic's regex, where `$` is the very end of the text.
    assert not is_valid_key(key)
    with pytest.raises(PydanticValidationError):
        TypeAdapter(
            Annotated[str, StringConstraints(pattern=KEY_PATTERN, min_length=1, max_length=255)]
        ).validate_python(key)


def test_the_route_is_ninjas_own():
    ninja = [p for p in api_urls.api.urls[0] if getattr(p, "name", None) == hot_path.OPERATION_ID]
    assert [str(p.pattern) for p in ninja] == [hot_path.ROUTE]
    assert api_urls.urlpatterns[0].callback is hot_path.sessions_update_status_view


# -- the same answers and the same rows, through the app gunicorn serves ------------------------

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


def same_shape(text: str, names: dict[str, str]) -> str:
    """Ids and times differ from one world to the other; names are the world's own."""
    for value, placeholder in names.items():
        text = text.replace(value, placeholder)
    return TIME.sub("<time>", UUID.sub("<id>", text))


def world(n: int) -> dict[str, Any]:
    """A tutor with a token, a match with a package of 3, a session that has started, one that has
    not, and another tutor's session."""
    match = make_match()
    make_package(request=match.request, sessions_total=3)
    started = make_session(match=match)
    later = make_session(match=match, scheduled_start_at=started.scheduled_start_at.replace(year=2099))
    other = make_session()
    unpaid = make_session()  # a match without a package
    token = api_token_create(email=match.tutor.email)[1]
    names = {
        match.tutor.name: "<tutor>",
        match.tutor.email: "<tutor email>",
        match.request.student.name: "<student>",
        match.request.student.email: "<student email>",
    }
    return {
        "token": token,
        "started": started,
        "later": later,
        "other": other,
        "unpaid": unpaid,
        "names": names,
        "n": n,
    }


def scenario_calls(w: dict[str, Any]) -> list[tuple[str, str, bytes, dict[str, str]]]:
    auth = {"AUTHORIZATION": f"Bearer {w['token']}"}
    s, later, other, unpaid = (w[k].id for k in ("started", "later", "other", "unpaid"))
    done = b'{"status": "done"}'
    too_large = b'{"status": "done", "tutor_notes": "%s"}' % (b"x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    return [
        ("POST", f"/api/v1/sessions/{s}/status", done, {**auth, "IDEMPOTENCY_KEY": "first"}),
        ("POST", f"/api/v1/sessions/{s}/status", done, {**auth, "IDEMPOTENCY_KEY": "first"}),  # replay
        (
            "POST",
            f"/api/v1/sessions/{s}/status",
            b'{"status": "no_show_tutor"}',
            {**auth, "IDEMPOTENCY_KEY": "first"},
        ),
        ("POST", f"/api/v1/sessions/{s}/status", done, {**auth, "IDEMPOTENCY_KEY": "second"}),  # already done
        ("POST", f"/api/v1/sessions/{later}/status", done, {**auth, "IDEMPOTENCY_KEY": "early"}),
        (
            "POST",
            f"/api/v1/sessions/{later}/status",
            b'{"status": "rescheduled", "new_start_at": "2099-03-04T10:00:00Z", "tutor_notes": "moved"}',
            {**auth, "IDEMPOTENCY_KEY": "move"},
        ),
        ("POST", f"/api/v1/sessions/{other}/status", done, {**auth, "IDEMPOTENCY_KEY": "not-mine"}),
        ("POST", f"/api/v1/sessions/{unpaid}/status", done, {**auth, "IDEMPOTENCY_KEY": "unpaid"}),
        ("POST", "/api/v1/sessions/not-a-uuid/status", done, {**auth, "IDEMPOTENCY_KEY": "nope"}),
        (
            "POST",
            f"/api/v1/sessions/{s}/status",
            b'{"status": "finished"}',
            {**auth, "IDEMPOTENCY_KEY": "bad"},
        ),
        (
            "POST",
            f"/api/v1/sessions/{s}/status",
            b'{"status": "finished"}',
            {**auth, "IDEMPOTENCY_KEY": "bad"},
        ),
        ("POST", f"/api/v1/sessions/{s}/status", b"{", {**auth, "IDEMPOTENCY_KEY": "broken"}),
        ("POST", f"/api/v1/sessions/{s}/status", too_large, {**auth, "IDEMPOTENCY_KEY": "too-large"}),
        ("POST", f"/api/v1/sessions/{s}/status", done, auth),  # no key
        ("POST", f"/api/v1/sessions/{s}/status", done, {**auth, "IDEMPOTENCY_KEY": " spaced"}),
        ("POST", f"/api/v1/sessions/{s}/status", done, {**auth, "IDEMPOTENCY_KEY": "newline\n"}),
        ("POST", f"/api/v1/sessions/{s}/status", UNREADABLE, {**auth, "IDEMPOTENCY_KEY": "cut"}),
        (
            "POST",
            f"/api/v1/sessions/{s}/status",
            UNREADABLE,
            {"AUTHORIZATION": "Bearer td_wrong", "IDEMPOTENCY_KEY": "cut"},
        ),
        (
            "POST",
            f"/api/v1/sessions/{s}/status",
            done,
            {"AUTHORIZATION": "Bearer td_wrong", "IDEMPOTENCY_KEY": "x"},
        ),
        ("POST", f"/api/v1/sessions/{s}/status", done, {"IDEMPOTENCY_KEY": "anonymous"}),
        ("GET", f"/api/v1/sessions/{s}/status", b"", auth),
        ("DELETE", f"/api/v1/sessions/{s}/status", b"", auth),
    ]


UNREADABLE = b"<the client goes away mid-body>"


class CutStream:
    """A request body whose client went away: reading it fails."""

    def read(self, *args: Any) -> bytes:
        raise OSError("connection reset by peer")

    def readline(self, *args: Any) -> bytes:
        return self.read()


def send(m: str, p: str, b: bytes, h: dict[str, str]) -> tuple[str, dict[str, str], bytes]:
    env = environ(m, p, body=b, **h)
    if b == UNREADABLE:
        env["wsgi.input"], env["CONTENT_LENGTH"] = CutStream(), "18"
    return call(wsgi.application, env)


def rows(w: dict[str, Any]) -> list[Any]:
    """What the calls left in the database, for the world's sessions."""
    ids = [w[k].id for k in ("started", "later", "other", "unpaid")]
    sessions = Session.objects.filter(match__in=[w["started"].match_id]).order_by("scheduled_start_at")
    return [
        [(s.status, s.tutor_notes) for s in sessions],
        [p.sessions_used for p in Package.objects.filter(request_id=w["started"].request_id)],
        sorted(
            (a.action, same_shape(json.dumps(a.details, sort_keys=True), w["names"]))
            for a in AuditLog.objects.filter(entity_id__in=[*ids, *(s.id for s in sessions)])
        ),
        sorted(
            (e.type, same_shape(json.dumps(e.data, sort_keys=True), w["names"]))
            for e in Event.objects.filter(created_at__gte=w["started"].created_at)
            if str(w["started"].match_id) in json.dumps(e.data)
        ),
        sorted(
            (k.key, k.status_code)
            for k in IdempotencyKey.objects.filter(user__email=w["started"].tutor.email)
        ),
    ]


@pytest.mark.django_db(transaction=True)
def test_answers_rows_and_logs_are_ninjas(keep_the_test_connection, caplog):
    hot, ninja = world(1), world(2)

    def logged(w: dict[str, Any]) -> list[tuple[str, str, str, str]]:
        records = [
            (
                r.name,
                r.levelname,
                same_shape(r.getMessage(), w["names"]),
                r.exc_info[0].__name__ if r.exc_info and r.exc_info[0] else "",
            )
            for r in caplog.records
            if r.name.startswith(("tutordesk", "django.request"))
        ]
        caplog.clear()
        return records

    caplog.set_level("INFO")
    caplog.clear()
    hot_answers, hot_logs = [], []
    for m, p, b, h in scenario_calls(hot):
        hot_answers.append(send(m, p, b, h))
        hot_logs.append(logged(hot))
    ninja_answers, ninja_logs = [], []
    with override_settings(ROOT_URLCONF=NINJA_ONLY):
        for m, p, b, h in scenario_calls(ninja):
            ninja_answers.append(send(m, p, b, h))
            ninja_logs.append(logged(ninja))
    assert hot_logs == ninja_logs
    assert any("UnreadablePostError" in str(r) for r in hot_logs)
    statuses = [answer[0] for answer in hot_answers]
    # The scenarios reach what they are meant to: charges, replays, refusals of every kind.
    assert statuses[:2] == ["200 OK", "200 OK"] and hot_answers[1][1]["Idempotent-Replayed"] == "true"
    assert {
        "401 Unauthorized",
        "404 Not Found",
        "405 Method Not Allowed",
        "409 Conflict",
        "422 Unprocessable Entity",
    } <= set(statuses)
    for (method, url, _, _), mine, theirs in zip(
        scenario_calls(hot), hot_answers, ninja_answers, strict=True
    ):
        assert mine[0] == theirs[0], (method, url)
        assert mine[1] == theirs[1] or {k: same_shape(v, hot["names"]) for k, v in mine[1].items()} == {
            k: same_shape(v, ninja["names"]) for k, v in theirs[1].items()
        }, (method, url)
        assert same_shape(mine[2].decode(), hot["names"]) == same_shape(theirs[2].decode(), ninja["names"]), (
            method,
            url,
        )
    assert rows(hot) == rows(ninja)
    assert rows(hot)[1] == [1]  # one charge, once
