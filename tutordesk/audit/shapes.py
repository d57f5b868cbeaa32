"""The JSON shape of an audit row (CONTRACT §4 `AuditLog`)."""

from __future__ import annotations

from typing import Any

from typing_extensions import TypedDict

from tutordesk.audit.models import AuditLog
from tutordesk.core.shapes import IsoDateTime, UuidText, id_text, time_text


class AuditLogOut(TypedDict):
    id: UuidText
    created_at: IsoDateTime
    actor_user_id: UuidText | None
    action: str
    entity_type: str
    entity_id: UuidText
    details: dict[str, Any]


def audit_log_dict(log: AuditLog) -> AuditLogOut:
    return {
        "id": str(log.id),
        "created_at": time_text(log.created_at),
        "actor_user_id": id_text(log.actor_id),
        "action": log.action,
        "entity_type": log.entity_type,
        "entity_id": str(log.entity_id),
        "details": log.details,
    }
