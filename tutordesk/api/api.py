"""The JSON API v1 (CONTRACT §4): thin handlers over selectors and services.

Reads go through selectors, which apply the visibility rules (another tutor's session is 404).
Writes call one service inside the request's outermost transaction, through the idempotency store.
Every error leaves through `_problem_handlers` below as application/problem+json.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Path, Query
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from tutordesk.api.auth import api_auth
from tutordesk.api.idempotent import IdempotencyKey, respond_once, store_refusal
from tutordesk.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_page
from tutordesk.api.problems import PROBLEM_CONTENT_TYPE, json_response, problem, problem_for, problem_response
from tutordesk.api.schemas import (
    NO_NUL,
    ApiDateTime,
    AuditLogPage,
    CorrectionIn,
    MatchPage,
    MeOut,
    PackageCreateIn,
    PackageOut,
    Problem,
    SessionCreateIn,
    SessionOut,
    SessionPage,
    SessionStatusName,
    StatusChangeOut,
    StatusUpdateIn,
)
from tutordesk.api.serializers import (
    audit_log_dict,
    match_dict,
    me_dict,
    package_dict,
    session_dict,
    status_change_dict,
)
from tutordesk.audit.selectors import audit_logs_filtered
from tutordesk.core.errors import DomainError
from tutordesk.scheduling.selectors import session_get, sessions_filtered
from tutordesk.scheduling.services import session_correct_status, session_create, session_update_status
from tutordesk.tutoring.selectors import matches_visible_to, package_get, packages_visible_to
from tutordesk.tutoring.services import package_create

logger = logging.getLogger(__name__)


class StrictJSONParser(Parser):
    """JSON bodies only, and no text the database cannot store (NUL, lone surrogates)."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = json.loads(request.body)
        _check_text(data)
        return data


def _check_text(value: Any) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("text must not contain NUL characters")
        value.encode("utf-8")  # a lone surrogate raises UnicodeEncodeError
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_text(item)
    elif isinstance(value, list):
        for item in value:
            _check_text(item)


class TutordeskAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Error responses are application/problem+json; successful POSTs may be replays."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                for parameter in operation.get("parameters", []):
                    if parameter["in"] == "path":
                        parameter["schema"]["format"] = "uuid"
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        response["content"] = {PROBLEM_CONTENT_TYPE: content["application/json"]}
                    elif method == "post" and int(status) < 300:
                        response["headers"] = {
                            "Idempotent-Replayed": {
                                "description": "`true` when this is the stored response to an earlier "
                                "request with the same Idempotency-Key",
                                "schema": {"type": "string", "enum": ["true"]},
                            }
                        }
        return schema


api = TutordeskAPI(
    title="Tutordesk API",
    version="1.0.0",
    description=(
        "Session outcomes, prepaid packages and the audit trail. Authenticate with "
        "`Authorization: Bearer <token>` (`python manage.py create_api_token EMAIL`) or a logged-in "
        "session cookie plus CSRF token. Errors are application/problem+json with a stable `code`."
    ),
    auth=api_auth,
    parser=StrictJSONParser(),
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)

E401 = {401: Problem}
READ_ERRORS = {401: Problem, 404: Problem}
LIST_ERRORS = {401: Problem, 403: Problem, 422: Problem}
WRITE_ERRORS = {401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}

Limit = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"page size, at most {MAX_LIMIT}")
From = Query(None, alias="from", description="only sessions with scheduled_start_at >= from")
To = Query(None, alias="to", description="only sessions with scheduled_start_at < to")
EntityType = Query(None, max_length=32, pattern=NO_NUL)
Action = Query(None, max_length=64, pattern=NO_NUL)
ObjectId = Path(..., description="a UUID; anything else is simply not found (404)")
Cursor = Query(
    None, max_length=200, pattern=r"^[A-Za-z0-9_-]+$", description="`next_cursor` of the page before"
)


# --- errors -------------------------------------------------------------------------------------


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    status, body = problem_for(exc)
    return json_response(status, json.dumps(body, ensure_ascii=False))


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {
            "loc": [part if isinstance(part, int) else str(part) for part in error.get("loc", ())],
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in exc.errors
    ]
    fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]) for e in errors if e["loc"])
    status, body = problem("validation_error", f"Invalid input: {fields or 'request'}", errors=errors)
    return store_refusal(request, status, body)


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    # Django's own request limits: a body over DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields.
    return problem_response("validation_error", f"The request is too large or malformed: {exc}")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError) or exc.status_code == 401:
        return problem_response(
            "not_authenticated", "Send Authorization: Bearer <token>, or log in and send the CSRF token"
        )
    if exc.status_code == 400:
        # The only 400 ninja raises here: a body that is not JSON.
        return problem_response(
            "validation_error", "The request body must be a JSON object (Content-Type: application/json)"
        )
    if exc.status_code == 403:
        return problem_response("forbidden", str(exc))
    if exc.status_code == 404:
        return problem_response("not_found", "Not found")
    logger.error("unexpected HttpError %s: %s", exc.status_code, exc)
    return problem_response("validation_error", str(exc))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response("not_found", "Not found")


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unhandled error in %s %s", request.method, request.path)
    return problem_response("internal_error", "Something went wrong on our side; it has been logged")


def not_found_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Unknown paths under /api/v1/ answer in the API's shape, not with an HTML page."""
    return problem_response("not_found", "No such API endpoint; see /api/v1/docs")


# --- me -----------------------------------------------------------------------------------------


@api.get("/me", response={200: MeOut, **E401}, operation_id="me", tags=["me"])
def me(request: HttpRequest) -> HttpResponse:
    return _ok(me_dict(request.auth))  # type: ignore[attr-defined]


# --- matches ------------------------------------------------------------------------------------


@api.get("/matches", response={200: MatchPage, **LIST_ERRORS}, operation_id="matches_list", tags=["matches"])
def matches_list(request: HttpRequest, limit: int = Limit, cursor: str | None = Cursor) -> HttpResponse:
    """Tutors: their own matches; admins: all. Oldest first."""
    matches = matches_visible_to(request.auth).order_by("created_at", "id")  # type: ignore[attr-defined]
    return _ok(keyset_page(matches, time_field="created_at", cursor=cursor, limit=limit, to_dict=match_dict))


# --- sessions -----------------------------------------------------------------------------------


@api.get(
    "/sessions", response={200: SessionPage, **LIST_ERRORS}, operation_id="sessions_list", tags=["sessions"]
)
def sessions_list(
    request: HttpRequest,
    status: SessionStatusName | None = None,
    tutor_id: uuid.UUID | None = None,
    student_id: uuid.UUID | None = None,
    start_from: ApiDateTime | None = From,
    start_to: ApiDateTime | None = To,
    limit: int = Limit,
    cursor: str | None = Cursor,
) -> HttpResponse:
    """Sessions the caller may see, ordered by `scheduled_start_at` (then id)."""
    sessions = sessions_filtered(
        user=request.auth,  # type: ignore[attr-defined]
        status=status,
        tutor_id=tutor_id,
        student_id=student_id,
        start_from=start_from,
        start_before=start_to,
    )
    return _ok(
        keyset_page(
            sessions, time_field="scheduled_start_at", cursor=cursor, limit=limit, to_dict=session_dict
        )
    )


@api.get(
    "/sessions/{session_id}",
    response={200: SessionOut, **READ_ERRORS},
    operation_id="sessions_get",
    tags=["sessions"],
)
def sessions_get(request: HttpRequest, session_id: str = ObjectId) -> HttpResponse:
    return _ok(session_dict(session_get(session_id=session_id, user=request.auth)))  # type: ignore[attr-defined]


@api.post(
    "/sessions", response={201: SessionOut, **WRITE_ERRORS}, operation_id="sessions_create", tags=["sessions"]
)
def sessions_create(
    request: HttpRequest, payload: SessionCreateIn, idempotency_key: str | None = IdempotencyKey
) -> HttpResponse:
    """Schedule a session for a match (its tutor, or an admin). 409 `tutor_double_booked` on overlap."""

    def run() -> tuple[int, Any]:
        session = session_create(
            match_id=payload.match_id,
            scheduled_start_at=payload.scheduled_start_at,
            duration_minutes=payload.duration_minutes,
            meet_link=payload.meet_link,
            actor=request.auth,  # type: ignore[attr-defined]
        )
        return 201, session_dict(session)

    return respond_once(request, key=idempotency_key, run=run)


@api.post(
    "/sessions/{session_id}/status",
    response={200: StatusChangeOut, **WRITE_ERRORS},
    operation_id="sessions_update_status",
    tags=["sessions"],
)
def sessions_update_status(
    request: HttpRequest,
    payload: StatusUpdateIn,
    session_id: str = ObjectId,
    idempotency_key: str | None = IdempotencyKey,
) -> HttpResponse:
    """Record what happened to a scheduled session (its tutor, or an admin); charges the package
    for `done` and `no_show_student`. 409 `invalid_transition` carries `current_status`."""

    def run() -> tuple[int, Any]:
        change = session_update_status(
            session_id=session_id,
            status=payload.status,
            tutor_notes=payload.tutor_notes,
            new_start_at=payload.new_start_at,
            actor=request.auth,  # type: ignore[attr-defined]
        )
        return 200, status_change_dict(change)

    return respond_once(request, key=idempotency_key, run=run)


@api.post(
    "/sessions/{session_id}/correction",
    response={200: StatusChangeOut, **WRITE_ERRORS},
    operation_id="sessions_correct_status",
    tags=["sessions"],
)
def sessions_correct_status(
    request: HttpRequest,
    payload: CorrectionIn,
    session_id: str = ObjectId,
    idempotency_key: str | None = IdempotencyKey,
) -> HttpResponse:
    """An admin corrects a recorded session, refunding or charging its package as needed."""

    def run() -> tuple[int, Any]:
        change = session_correct_status(
            session_id=session_id,
            status=payload.status,
            reason=payload.reason,
            actor=request.auth,  # type: ignore[attr-defined]
        )
        return 200, status_change_dict(change)

    return respond_once(request, key=idempotency_key, run=run)


# --- packages -----------------------------------------------------------------------------------


@api.get(
    "/packages",
    response={200: list[PackageOut], **LIST_ERRORS},
    operation_id="packages_list",
    tags=["packages"],
)
def packages_list(
    request: HttpRequest,
    request_id: uuid.UUID | None = None,
    limit: int = Limit,
    cursor: str | None = Cursor,
) -> HttpResponse:
    """Packages of the caller's own requests (students, tutors) or all (admins); oldest first.

    A plain JSON array (CONTRACT §4: "`Package` list"); when more remain, the `Link` header
    carries the next page (`rel="next"`, with its `cursor`).
    """
    packages = packages_visible_to(request.auth)  # type: ignore[attr-defined]
    if request_id is not None:
        packages = packages.filter(request_id=request_id)
    packages = packages.order_by("created_at", "id")
    page = keyset_page(packages, time_field="created_at", cursor=cursor, limit=limit, to_dict=package_dict)
    response = json_response(200, json.dumps(page["items"], ensure_ascii=False))
    if page["next_cursor"] is not None:
        query = request.GET.copy()
        query["cursor"] = page["next_cursor"]
        response["Link"] = f'<{request.build_absolute_uri(request.path)}?{query.urlencode()}>; rel="next"'
    return response


@api.get(
    "/packages/{package_id}",
    response={200: PackageOut, **READ_ERRORS},
    operation_id="packages_get",
    tags=["packages"],
)
def packages_get(request: HttpRequest, package_id: str = ObjectId) -> HttpResponse:
    return _ok(package_dict(package_get(package_id=package_id, user=request.auth)))  # type: ignore[attr-defined]


@api.post(
    "/packages", response={201: PackageOut, **WRITE_ERRORS}, operation_id="packages_create", tags=["packages"]
)
def packages_create(
    request: HttpRequest, payload: PackageCreateIn, idempotency_key: str | None = IdempotencyKey
) -> HttpResponse:
    """An admin adds a package of 1–500 prepaid sessions to a request."""

    def run() -> tuple[int, Any]:
        package = package_create(
            request_id=payload.request_id,
            sessions_total=payload.sessions_total,
            actor=request.auth,  # type: ignore[attr-defined]
        )
        return 201, package_dict(package)

    return respond_once(request, key=idempotency_key, run=run)


# --- audit logs ---------------------------------------------------------------------------------


@api.get(
    "/audit-logs", response={200: AuditLogPage, **LIST_ERRORS}, operation_id="audit_logs_list", tags=["audit"]
)
def audit_logs_list(
    request: HttpRequest,
    entity_type: str | None = EntityType,
    entity_id: uuid.UUID | None = None,
    actor_user_id: uuid.UUID | None = None,
    action: str | None = Action,
    limit: int = Limit,
    cursor: str | None = Cursor,
) -> HttpResponse:
    """Admins only; newest first."""
    logs = audit_logs_filtered(
        user=request.auth,  # type: ignore[attr-defined]
        entity_type=entity_type,
        entity_id=entity_id,
        actor_user_id=actor_user_id,
        action=action,
    )
    return _ok(
        keyset_page(
            logs,
            time_field="created_at",
            cursor=cursor,
            limit=limit,
            newest_first=True,
            to_dict=audit_log_dict,
        )
    )


def _ok(body: dict[str, Any]) -> HttpResponse:
    return json_response(200, json.dumps(body, ensure_ascii=False))
