from __future__ import annotations

import uuid

from django.http import HttpResponse
from ninja import Router

from tutordesk.api.auth import AuthedRequest
from tutordesk.api.pagination import keyset_page
from tutordesk.api.params import Cursor, Limit
from tutordesk.api.responses import LIST_ERRORS, ok
from tutordesk.api.schemas import AuditLogPage
from tutordesk.audit.models import AuditAction, AuditEntity
from tutordesk.audit.selectors import audit_logs_filtered
from tutordesk.audit.shapes import audit_log_dict

router = Router(tags=["audit"])


@router.get("/audit-logs", response={200: AuditLogPage, **LIST_ERRORS}, operation_id="audit_logs_list")
def audit_logs_list(
    request: AuthedRequest,
    entity_type: AuditEntity | None = None,
    entity_id: uuid.UUID | None = None,
    actor_user_id: uuid.UUID | None = None,
    action: AuditAction | None = None,
    limit: int = Limit,
    cursor: str | None = Cursor,
) -> HttpResponse:
    """Admins only; newest first."""
    logs = audit_logs_filtered(
        user=request.auth,
        entity_type=entity_type,
        entity_id=entity_id,
        actor_user_id=actor_user_id,
        action=action,
    )
    return ok(
        keyset_page(
            logs,
            time_field="created_at",
            cursor=cursor,
            limit=limit,
            newest_first=True,
            to_dict=audit_log_dict,
        )
    )
