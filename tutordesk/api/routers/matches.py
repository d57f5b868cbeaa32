from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from ninja import Router

from tutordesk.api.auth import AuthedRequest
from tutordesk.api.idempotent import IdempotencyKey, respond_once
from tutordesk.api.pagination import keyset_page
from tutordesk.api.params import Cursor, Limit, ObjectId
from tutordesk.api.responses import LIST_ERRORS, WRITE_ERRORS, ok
from tutordesk.api.schemas import MatchCreateIn, MatchEndIn, MatchPage, MatchReassignIn
from tutordesk.scheduling.matches import match_end_with_lessons, match_reassign
from tutordesk.tutoring.selectors import matches_visible_to
from tutordesk.tutoring.services import match_create_for
from tutordesk.tutoring.shapes import MatchOut, ReassignmentOut, match_dict

router = Router(tags=["matches"])


@router.get("/matches", response={200: MatchPage, **LIST_ERRORS}, operation_id="matches_list")
def matches_list(request: AuthedRequest, limit: int = Limit, cursor: str | None = Cursor) -> HttpResponse:
    """Tutors: their own matches; admins: all. Oldest first."""
    matches = matches_visible_to(request.auth).order_by("created_at", "id")
    return ok(keyset_page(matches, time_field="created_at", cursor=cursor, limit=limit, to_dict=match_dict))


@router.post("/matches", response={201: MatchOut, **WRITE_ERRORS}, operation_id="matches_create")
def matches_create(
    request: AuthedRequest, payload: MatchCreateIn, idempotency_key: str | None = IdempotencyKey
) -> HttpResponse:
    """An admin matches a tutor to a request. A request that already has an active match is
    409 `request_already_matched`; a `tutor_id` that names no tutor is a validation_error."""

    def run() -> tuple[int, Any]:
        match = match_create_for(request_id=payload.request_id, tutor_id=payload.tutor_id, actor=request.auth)
        return 201, match_dict(match)

    return respond_once(request, key=idempotency_key, run=run)


@router.post("/matches/{match_id}/end", response={200: MatchOut, **WRITE_ERRORS}, operation_id="matches_end")
def matches_end(
    request: AuthedRequest,
    payload: MatchEndIn,
    match_id: str = ObjectId,
    idempotency_key: str | None = IdempotencyKey,
) -> HttpResponse:
    """An admin ends a match: each of its lessons still scheduled in the future leaves the
    schedule (`rescheduled`, nothing charged, no replacement; audited with the reason). Lessons
    that have started keep waiting for their outcome. An ended match is 409 `match_not_active`."""

    def run() -> tuple[int, Any]:
        ending = match_end_with_lessons(match_id=match_id, reason=payload.reason, actor=request.auth)
        return 200, match_dict(ending.match)

    return respond_once(request, key=idempotency_key, run=run)


@router.post(
    "/matches/{match_id}/reassign",
    response={200: ReassignmentOut, **WRITE_ERRORS},
    operation_id="matches_reassign",
)
def matches_reassign(
    request: AuthedRequest,
    payload: MatchReassignIn,
    match_id: str = ObjectId,
    idempotency_key: str | None = IdempotencyKey,
) -> HttpResponse:
    """An admin hands a match to another tutor, in one transaction: the match ends, a new active
    match of the same request begins, and every lesson still scheduled in the future moves to the
    new tutor at the same time (`moved` counts them). Any clash with the new tutor's lessons is
    409 `tutor_double_booked` listing every clash in `conflicts`, and nothing changes."""

    def run() -> tuple[int, Any]:
        done = match_reassign(
            match_id=match_id, tutor_id=payload.tutor_id, reason=payload.reason, actor=request.auth
        )
        body: ReassignmentOut = {
            "ended": match_dict(done.ended),
            "match": match_dict(done.match),
            "moved": len(done.moved),
        }
        return 200, body

    return respond_once(request, key=idempotency_key, run=run)
