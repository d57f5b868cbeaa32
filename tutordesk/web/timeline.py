"""A session's story in words: every audit row about it, oldest first (web.views' session page).

The rows come from the audit log (two statements: the rows with their actors, then the packages
they name), each read back through its action's typed shape (audit.details), so the page shows
exactly what was recorded, never a reconstruction, and a row written years ago still reads.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q

from tutordesk.audit.details import AuditDetails, Names, details_of
from tutordesk.audit.models import AuditEntity, AuditLog
from tutordesk.scheduling.audit import (
    SessionCancelled,
    SessionCreated,
    SessionStatusCorrected,
    SessionStatusUpdated,
    StatusChangeDetails,
)
from tutordesk.scheduling.models import Session
from tutordesk.tutoring.models import Package


@dataclass
class Entry:
    """One line of the timeline."""

    kind: str  # created | replacement | recorded | corrected | cancelled | other
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
            action=SessionStatusUpdated.action,
            details__replacement_session_id=str(session.id),
        )
    logs = list(AuditLog.objects.filter(about_it).select_related("actor").order_by("created_at", "id"))
    read = [(log, details_of(log)) for log in logs]
    package_ids = {d.package_id for _, d in read if isinstance(d, StatusChangeDetails) and d.package_id}
    packages = {p.id: p for p in Package.objects.filter(id__in=package_ids)} if package_ids else {}
    return [_entry(log, details, session, packages) for log, details in read]


def _entry(
    log: AuditLog, details: AuditDetails, session: Session, packages: dict[uuid.UUID, Package]
) -> Entry:
    actor = log.actor.name if log.actor else "Tutordesk"
    if log.entity_id != session.id and isinstance(details, SessionStatusUpdated):
        return Entry(
            kind="replacement",
            at=log.created_at,
            actor=actor,
            title="Created when an earlier session was rescheduled to this time",
            linked_session_id=str(log.entity_id),
            notes=details.tutor_notes or "",
        )
    if isinstance(details, SessionCreated):
        return Entry(
            kind="created",
            at=log.created_at,
            actor=actor,
            title="Scheduled",
            new_start_at=details.scheduled_start_at,
            facts={"duration_minutes": details.duration_minutes, "meet_link": details.meet_link},
        )
    if isinstance(details, SessionCancelled):
        return Entry(
            kind="cancelled",
            at=log.created_at,
            actor=actor,
            title=details.words(Names({details.cancelled_by: actor})),
            from_status=details.from_status,
            to_status=details.status,
            reason=details.reason,
        )
    if isinstance(details, StatusChangeDetails):
        corrected = isinstance(details, SessionStatusCorrected)
        package = packages.get(details.package_id) if details.package_id else None
        updated = details if isinstance(details, SessionStatusUpdated) else None
        return Entry(
            kind="corrected" if corrected else "recorded",
            at=log.created_at,
            actor=actor,
            title="Corrected" if corrected else "Recorded",
            from_status=details.from_status,
            to_status=details.status,
            package=package,
            package_move=(details.package_move or "") if package is not None else "",
            sessions_used_after=details.sessions_used_after,
            reason=details.reason if isinstance(details, SessionStatusCorrected) else "",
            notes=(updated.tutor_notes or "") if updated else "",
            new_start_at=updated.new_start_at if updated else None,
            linked_session_id=str(updated.replacement_session_id or "") if updated else "",
        )
    # Any other change about the session: the shape's own words.
    return Entry(kind="other", at=log.created_at, actor=actor, title=details.words(Names()))
