from __future__ import annotations

import uuid
from typing import Any, Literal

from django.http import HttpResponse
from ninja import Router

from tutordesk.api.auth import AuthedRequest
from tutordesk.api.idempotent import IdempotencyKey, respond_once
from tutordesk.api.pagination import keyset_page
from tutordesk.api.params import Cursor, Limit
from tutordesk.api.responses import LIST_ERRORS, WRITE_ERRORS, ok
from tutordesk.api.schemas import RequestCreateIn, RequestPage
from tutordesk.tutoring.selectors import requests_visible_to
from tutordesk.tutoring.services import request_create_for
from tutordesk.tutoring.shapes import RequestOut, request_dict

router = Router(tags=["requests"])


@router.get("/requests", response={200: RequestPage, **LIST_ERRORS}, operation_id="requests_list")
def requests_list(
    request: AuthedRequest,
    student_id: uuid.UUID | None = None,
    status: Literal["open", "matched", "closed"] | None = None,
    limit: int = Limit,
    cursor: str | None = Cursor,
) -> HttpResponse:
    """Admins: every request; students their own; guardians their students'; tutors the requests
    they have been matched to. Oldest first."""
    requests = requests_visible_to(request.auth)
    if student_id is not None:
        requests = requests.filter(student_id=student_id)
    if status is not None:
        requests = requests.filter(status=status)
    requests = requests.order_by("created_at", "id")
    return ok(
        keyset_page(requests, time_field="created_at", cursor=cursor, limit=limit, to_dict=request_dict)
    )


@router.post("/requests", response={201: RequestOut, **WRITE_ERRORS}, operation_id="requests_create")
def requests_create(
    request: AuthedRequest, payload: RequestCreateIn, idempotency_key: str | None = IdempotencyKey
) -> HttpResponse:
    """An admin records a student's request for tutoring in one subject."""

    def run() -> tuple[int, Any]:
        created = request_create_for(
            student_id=payload.student_id, subject=payload.subject, actor=request.auth
        )
        return 201, request_dict(created)

    return respond_once(request, key=idempotency_key, run=run)
