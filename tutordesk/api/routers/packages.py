from __future__ import annotations

import json
import uuid
from typing import Any

from django.http import HttpResponse
from ninja import Router

from tutordesk.api.auth import AuthedRequest
from tutordesk.api.idempotent import IdempotencyKey, respond_once
from tutordesk.api.pagination import keyset_page
from tutordesk.api.params import Cursor, Limit, ObjectId
from tutordesk.api.responses import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, ok
from tutordesk.api.schemas import PackageCreateIn
from tutordesk.core.problems import json_response
from tutordesk.tutoring.selectors import package_get, packages_visible_to
from tutordesk.tutoring.services import package_create
from tutordesk.tutoring.shapes import PackageOut, package_dict

router = Router(tags=["packages"])

LINK_HEADER = {
    "Link": {
        "description": 'Present when more packages remain: `<URL of the next page>; rel="next"` '
        "(RFC 8288). The URL carries the same filters and the `cursor` of the next page.",
        "schema": {"type": "string"},
    }
}


@router.get(
    "/packages",
    response={200: list[PackageOut], **LIST_ERRORS},
    operation_id="packages_list",
    openapi_extra={"responses": {200: {"headers": LINK_HEADER}}},  # merged into ninja's 200
)
def packages_list(
    request: AuthedRequest,
    request_id: uuid.UUID | None = None,
    limit: int = Limit,
    cursor: str | None = Cursor,
) -> HttpResponse:
    """Packages of the caller's own requests (students, tutors) or all (admins); oldest first.

    A plain JSON array of packages; when more remain, the `Link` header
    carries the next page (`rel="next"`, with its `cursor`).
    """
    packages = packages_visible_to(request.auth)
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


@router.get("/packages/{package_id}", response={200: PackageOut, **READ_ERRORS}, operation_id="packages_get")
def packages_get(request: AuthedRequest, package_id: str = ObjectId) -> HttpResponse:
    return ok(package_dict(package_get(package_id=package_id, user=request.auth)))


@router.post("/packages", response={201: PackageOut, **WRITE_ERRORS}, operation_id="packages_create")
def packages_create(
    request: AuthedRequest, payload: PackageCreateIn, idempotency_key: str | None = IdempotencyKey
) -> HttpResponse:
    """An admin adds a package of 1–500 prepaid sessions to a request."""

    def run() -> tuple[int, Any]:
        package = package_create(
            request_id=payload.request_id, sessions_total=payload.sessions_total, actor=request.auth
        )
        return 201, package_dict(package)

    return respond_once(request, key=idempotency_key, run=run)
