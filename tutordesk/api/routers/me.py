from __future__ import annotations

from django.http import HttpResponse
from ninja import Router

from tutordesk.accounts.shapes import MeOut, me_dict
from tutordesk.api.auth import AuthedRequest
from tutordesk.api.responses import UNAVAILABLE, ok
from tutordesk.api.schemas import Problem

router = Router(tags=["me"])


@router.get("/me", response={200: MeOut, 401: Problem, **UNAVAILABLE}, operation_id="me")
def me(request: AuthedRequest) -> HttpResponse:
    """The calling user."""
    return ok(me_dict(request.auth))
