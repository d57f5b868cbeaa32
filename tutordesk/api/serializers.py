"""Models to the JSON shapes of CONTRACT §4. Hand-written dicts: the same text is stored for
idempotent replays, and lists of hundreds of rows stay cheap."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from tutordesk.accounts.models import User
from tutordesk.audit.models import AuditLog
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.services import StatusChange
from tutordesk.scheduling.status import SESSION_STATUS_LABELS
from tutordesk.tutoring.models import Match, Package


def _id(value: UUID | None) -> str | None:
    return None if value is None else str(value)


def _time(value: datetime) -> str:
    return value.isoformat()


def me_dict(user: User) -> dict[str, Any]:
    return {
        "id": str(user.id),
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "timezone": user.timezone,
    }


def match_dict(match: Match) -> dict[str, Any]:
    return {
        "id": str(match.id),
        "request_id": str(match.request_id),
        "tutor_id": str(match.tutor_id),
        "student_id": str(match.request.student_id),
        "subject": match.request.subject,
        "status": match.status,
    }


def session_dict(session: Session) -> dict[str, Any]:
    return {
        "id": str(session.id),
        "match_id": str(session.match_id),
        "request_id": str(session.request_id),
        "tutor_id": str(session.tutor_id),
        "student_id": str(session.student_id),
        "scheduled_start_at": _time(session.scheduled_start_at),
        "duration_minutes": session.duration_minutes,
        "meet_link": session.meet_link,
        "status": session.status,
        "status_label": SESSION_STATUS_LABELS[session.status],
        "tutor_notes": session.tutor_notes,
        "package_id": _id(session.package_id),
        "rescheduled_from_id": _id(session.rescheduled_from_id),
        "updated_by_user_id": _id(session.updated_by_id),
        "updated_at": _time(session.updated_at),
        "created_at": _time(session.created_at),
    }


def package_dict(package: Package) -> dict[str, Any]:
    return {
        "id": str(package.id),
        "request_id": str(package.request_id),
        "sessions_total": package.sessions_total,
        "sessions_used": package.sessions_used,
        "sessions_remaining": package.sessions_total - package.sessions_used,
        "status": package.status,
        "created_at": _time(package.created_at),
        "updated_at": _time(package.updated_at),
    }


def audit_log_dict(log: AuditLog) -> dict[str, Any]:
    return {
        "id": str(log.id),
        "created_at": _time(log.created_at),
        "actor_user_id": _id(log.actor_id),
        "action": log.action,
        "entity_type": log.entity_type,
        "entity_id": str(log.entity_id),
        "details": log.details,
    }


def status_change_dict(change: StatusChange) -> dict[str, Any]:
    return {
        "session": session_dict(change.session),
        "package": package_dict(change.package) if change.package else None,
        "replacement_session": (
            session_dict(change.replacement_session) if change.replacement_session else None
        ),
    }
