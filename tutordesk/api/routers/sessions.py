from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpResponse
from ninja import Router

from tutordesk.api.auth import AuthedRequest
from tutordesk.api.idempotent import IdempotencyKey, respond_once
from tutordesk.api.pagination import keyset_page
from tutordesk.api.params import Cursor, From, Limit, ObjectId, To
from tutordesk.api.responses import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, ok
from tutordesk.api.schemas import (
    ApiDateTimeFilter,
    CancelIn,
    CorrectionIn,
    SessionCreateIn,
    SessionDetailsIn,
    SessionPage,
    StatusUpdateIn,
)
from tutordesk.scheduling.selectors import session_get, sessions_filtered
from tutordesk.scheduling.services import (
    UNCHANGED,
    session_cancel,
    session_correct_status,
    session_create,
    session_update_details,
    session_update_status,
)
from tutordesk.scheduling.shapes import SessionOut, StatusChangeOut, session_dict, status_change_dict
from tutordesk.scheduling.status import SessionStatusName

router = Router(tags=["sessions"])


@router.get("/sessions", response={200: SessionPage, **LIST_ERRORS}, operation_id="sessions_list")
def sessions_list(
    request: AuthedRequest,
    status: SessionStatusName | None = None,
    tutor_id: uuid.UUID | None = None,
    student_id: uuid.UUID | None = None,
    start_from: ApiDateTimeFilter | None = From,
    start_to: ApiDateTimeFilter | None = To,
    limit: int = Limit,
    cursor: str | None = Cursor,
) -> HttpResponse:
    """Sessions the caller may see, ordered by `scheduled_start_at` (then id)."""
    sessions = sessions_filtered(
        user=request.auth,
        status=status,
        tutor_id=tutor_id,
        student_id=student_id,
        start_from=start_from,
        start_before=start_to,
    )
    return ok(
        keyset_page(
            sessions, time_field="scheduled_start_at", cursor=cursor, limit=limit, to_dict=session_dict
        )
    )


@router.get("/sessions/{session_id}", response={200: SessionOut, **READ_ERRORS}, operation_id="sessions_get")
def sessions_get(request: AuthedRequest, session_id: str = ObjectId) -> HttpResponse:
    return ok(session_dict(session_get(session_id=session_id, user=request.auth)))


@router.patch(
    "/sessions/{session_id}",
    response={200: SessionOut, **WRITE_ERRORS},
    operation_id="sessions_update_details",
)
def sessions_update_details(
    request: AuthedRequest,
    payload: SessionDetailsIn,
    session_id: str = ObjectId,
    idempotency_key: str | None = IdempotencyKey,
) -> HttpResponse:
    """Change a scheduled lesson's meet link or length (its tutor, or an admin); fields left out
    stay. Only while `scheduled` (409 `invalid_transition` with `current_status`); a longer lesson
    that overlaps another of the tutor's is 409 `tutor_double_booked` with `conflicts`.
    `meet_link: null` clears a typed link. Takes an Idempotency-Key, as every POST does."""
    given = payload.model_fields_set

    def run() -> tuple[int, Any]:
        session = session_update_details(
            session_id=session_id,
            actor=request.auth,
            meet_link=payload.meet_link if "meet_link" in given else UNCHANGED,
            duration_minutes=payload.duration_minutes if "duration_minutes" in given else UNCHANGED,
        )
        return 200, session_dict(session)

    return respond_once(request, key=idempotency_key, run=run)


@router.post("/sessions", response={201: SessionOut, **WRITE_ERRORS}, operation_id="sessions_create")
def sessions_create(
    request: AuthedRequest, payload: SessionCreateIn, idempotency_key: str | None = IdempotencyKey
) -> HttpResponse:
    """Schedule a session for a match (its tutor, or an admin). 409 `tutor_double_booked` on overlap.
    A start that is not in the future is 422 `validation_error` (`field: scheduled_start_at`,
    `reason: in_past`) for a tutor; an admin may back-fill a past lesson."""

    def run() -> tuple[int, Any]:
        session = session_create(
            match_id=payload.match_id,
            scheduled_start_at=payload.scheduled_start_at,
            duration_minutes=payload.duration_minutes,
            meet_link=payload.meet_link,
            actor=request.auth,
        )
        return 201, session_dict(session)

    return respond_once(request, key=idempotency_key, run=run)


@router.post(
    "/sessions/{session_id}/status",
    response={200: StatusChangeOut, **WRITE_ERRORS},
    operation_id="sessions_update_status",
)
def sessions_update_status(
    request: AuthedRequest,
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
            actor=request.auth,
        )
        return 200, status_change_dict(change)

    return respond_once(request, key=idempotency_key, run=run)


@router.post(
    "/sessions/{session_id}/correction",
    response={200: StatusChangeOut, **WRITE_ERRORS},
    operation_id="sessions_correct_status",
)
def sessions_correct_status(
    request: AuthedRequest,
    payload: CorrectionIn,
    session_id: str = ObjectId,
    idempotency_key: str | None = IdempotencyKey,
) -> HttpResponse:
    """An admin corrects a recorded session, refunding or charging its package as needed."""

    def run() -> tuple[int, Any]:
        change = session_correct_status(
            session_id=session_id, status=payload.status, reason=payload.reason, actor=request.auth
        )
        return 200, status_change_dict(change)

    return respond_once(request, key=idempotency_key, run=run)


@router.post(
    "/sessions/{session_id}/cancel",
    response={200: StatusChangeOut, **WRITE_ERRORS},
    operation_id="sessions_cancel",
)
def sessions_cancel(
    request: AuthedRequest,
    payload: CancelIn,
    session_id: str = ObjectId,
    idempotency_key: str | None = IdempotencyKey,
) -> HttpResponse:
    """Cancel one scheduled lesson (its tutor, an admin, its student or a guardian of the student):
    it leaves the schedule as `rescheduled`, nothing charged, no replacement. Before it starts only
    (409 `cancellation_too_late`); a student or guardian at least `TUTORDESK_CANCELLATION_NOTICE_HOURS`
    (default 24) hours before (else 409 `cancellation_too_late`); a lesson no longer `scheduled` is
    409 `invalid_transition` with `current_status`."""

    def run() -> tuple[int, Any]:
        change = session_cancel(session_id=session_id, reason=payload.reason, actor=request.auth)
        return 200, status_change_dict(change)

    return respond_once(request, key=idempotency_key, run=run)
