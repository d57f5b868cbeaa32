from __future__ import annotations

import uuid
from typing import Any

from tutordesk.audit.models import AuditAction, AuditEntity, AuditLog
from tutordesk.core.actors import Actor
from tutordesk.core.db.rows import insert_rows


def audit_log_write(
    *,
    actor: Actor | None,
    action: AuditAction,
    entity_type: AuditEntity,
    entity_id: uuid.UUID,
    details: dict[str, Any],
) -> AuditLog:
    """The one place an audit row is written; call it inside the transaction of the change."""
    log = AuditLog(
        actor_id=actor.pk if actor is not None else None,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        details=details,
    )
    insert_rows([log])
    return log
