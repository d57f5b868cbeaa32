from __future__ import annotations

import uuid
from typing import Any

from tutordesk.accounts.models import User
from tutordesk.audit.models import AuditLog


def audit_log_write(
    *, actor: User | None, action: str, entity_type: str, entity_id: uuid.UUID, details: dict[str, Any]
) -> AuditLog:
    """The one place an audit row is written; call it inside the transaction of the change."""
    return AuditLog.objects.create(
        actor=actor, action=action, entity_type=entity_type, entity_id=entity_id, details=details
    )
