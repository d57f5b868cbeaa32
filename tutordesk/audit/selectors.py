"""Reads of the audit log: admins only."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from tutordesk.audit.models import AuditLog
from tutordesk.core.actors import Actor
from tutordesk.core.errors import Forbidden


def audit_logs_filtered(
    *,
    user: Actor,
    entity_type: str | None = None,
    entity_id: uuid.UUID | None = None,
    actor_user_id: uuid.UUID | None = None,
    action: str | None = None,
) -> QuerySet[AuditLog]:
    """Audit rows newest first, (created_at, id) descending; each filter has an index led by it."""
    if not user.is_admin:
        raise Forbidden("Only an admin can read the audit log")
    logs = AuditLog.objects.all()
    if entity_type is not None:
        logs = logs.filter(entity_type=entity_type)
    if entity_id is not None:
        logs = logs.filter(entity_id=entity_id)
    if actor_user_id is not None:
        logs = logs.filter(actor_id=actor_user_id)
    if action is not None:
        logs = logs.filter(action=action)
    return logs.order_by("-created_at", "-id")
