from __future__ import annotations

import uuid
from collections.abc import Sequence

from tutordesk.audit.details import AuditDetails
from tutordesk.audit.models import AuditLog
from tutordesk.core.actors import Actor
from tutordesk.core.db.rows import insert_rows


def audit_log_write(*, actor: Actor | None, entity_id: uuid.UUID, details: AuditDetails) -> AuditLog:
    """The one place an audit row is written; call it inside the transaction of the change.
    The row's action and entity type are those of the details' shape (audit.details)."""
    log = AuditLog(
        actor_id=actor.pk if actor is not None else None,
        action=details.action,
        entity_type=details.entity,
        entity_id=entity_id,
        details=details.as_json(),
    )
    insert_rows([log])
    return log


def audit_logs_write_many(
    *, actor: Actor | None, rows: Sequence[tuple[uuid.UUID, AuditDetails]]
) -> list[AuditLog]:
    """`audit_log_write` for many changes of one actor at once (an import), in one INSERT."""
    logs = [
        AuditLog(
            actor_id=actor.pk if actor is not None else None,
            action=details.action,
            entity_type=details.entity,
            entity_id=entity_id,
            details=details.as_json(),
        )
        for entity_id, details in rows
    ]
    insert_rows(logs)
    return logs
