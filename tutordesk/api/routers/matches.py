from __future__ import annotations

from django.http import HttpResponse
from ninja import Router

from tutordesk.api.auth import AuthedRequest
from tutordesk.api.pagination import keyset_page
from tutordesk.api.params import Cursor, Limit
from tutordesk.api.responses import LIST_ERRORS, ok
from tutordesk.api.schemas import MatchPage
from tutordesk.tutoring.selectors import matches_visible_to
from tutordesk.tutoring.shapes import match_dict

router = Router(tags=["matches"])


@router.get("/matches", response={200: MatchPage, **LIST_ERRORS}, operation_id="matches_list")
def matches_list(request: AuthedRequest, limit: int = Limit, cursor: str | None = Cursor) -> HttpResponse:
    """Tutors: their own matches; admins: all. Oldest first."""
    matches = matches_visible_to(request.auth).order_by("created_at", "id")
    return ok(keyset_page(matches, time_field="created_at", cursor=cursor, limit=limit, to_dict=match_dict))
