"""A session's story in words: every audit row about it, oldest first (web.views' session page).

The rows come from the audit log (two statements: the rows with their actors, then the packages
they name), so the page shows exactly what was recorded, never a reconstruction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q

from tutordesk.audit.models import AuditAction, AuditEntity, AuditLog
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.status import consumes
from tutordesk.tutoring.models import Package


@dataclass
class Entry:
    """One line of the timeline."""

    kind: str  # created | replacement | recorded | corrected
    at: datetime
    actor: str  # the person's name, or "Tutordesk" for a change nobody made by hand
    title: str
    from_status: str = ""
    to_status: str = ""
    package: Package | None = None
    package_move: str = ""  # charged | refunded
    sessions_used_after: int | None = None
    reason: str = ""
    notes: str = ""
    new_start_at: datetime | None = None
    linked_session_id: str = ""  # the replacement a reschedule made, or the session this one replaced
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def sessions_left_after(self) -> int | None:
        if self.package is None or self.sessions_used_after is None:
            return None
        return self.package.sessions_total - self.sessions_used_after


def session_timeline(session: Session) -> list[Entry]:
    about_it = Q(entity_type=AuditEntity.SESSION, entity_id=session.id)
    if session.rescheduled_from_id is not None:
        # The reschedule that created this session is recorded on the session it replaced.
        about_it |= Q(
            entity_type=AuditEntity.SESSION,
            entity_id=session.rescheduled_from_id,
            action=AuditAction.SESSION_STATUS_UPDATED,
            details__replacement_session_id=str(session.id),
        )
    logs = list(AuditLog.objects.filter(about_it).select_related("actor").order_by("created_at", "id"))
    package_ids = {_uuid(log.details.get("package_id")) for log in logs} - {None}
    packages = {p.id: p for p in Package.objects.filter(id__in=package_ids)} if package_ids else {}
    return [_entry(log, session, packages) for log in logs]


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _when(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _entry(log: AuditLog, session: Session, packages: dict[uuid.UUID, Package]) -> Entry:
    details = log.details if isinstance(log.details, dict) else {}
    actor = log.actor.name if log.actor else "Tutordesk"
    if log.entity_id != session.id:
        return Entry(
            kind="replacement",
            at=log.created_at,
            actor=actor,
            title="Created when an earlier session was rescheduled to this time",
            linked_session_id=str(log.entity_id),
            notes=details.get("tutor_notes") or "",
        )
    if log.action == AuditAction.SESSION_CREATED:
        return Entry(
            kind="created",
            at=log.created_at,
            actor=actor,
            title="Scheduled",
            new_start_at=_when(details.get("scheduled_start_at")),
            facts={
                "duration_minutes": details.get("duration_minutes"),
                "meet_link": details.get("meet_link"),
            },
        )
    from_status = str(details.get("from_status", ""))
    to_status = str(details.get("status", ""))
    package = packages.get(_uuid(details.get("package_id")))  # type: ignore[arg-type]
    move = ""
    if package is not None:
        move = "refunded" if consumes(from_status) and not consumes(to_status) else "charged"
    corrected = log.action == AuditAction.SESSION_STATUS_CORRECTED
    return Entry(
        kind="corrected" if corrected else "recorded",
        at=log.created_at,
        actor=actor,
        title="Corrected" if corrected else "Recorded",
        from_status=from_status,
        to_status=to_status,
        package=package,
        package_move=move,
        sessions_used_after=details.get("sessions_used_after"),
        reason=details.get("reason") or "",
        notes=details.get("tutor_notes") or "",
        new_start_at=_when(details.get("new_start_at")),
        linked_session_id=details.get("replacement_session_id") or "",
    )
