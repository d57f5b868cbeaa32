"""Test helpers: call services as their real callers do (inside an outermost transaction)
and snapshot the tables to prove that a refused change wrote nothing."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tutordesk.audit.models import AuditLog
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.services import session_correct_status, session_update_status
from tutordesk.scheduling.status import consumes
from tutordesk.tutoring.models import Package


def update_status(**kwargs: Any):
    with transaction.atomic():
        return session_update_status(**kwargs)


def correct_status(**kwargs: Any):
    with transaction.atomic():
        return session_correct_status(**kwargs)


def snapshot() -> dict[str, list[tuple]]:
    """Every row of the tables a status change may touch."""
    return {
        "sessions": list(Session.objects.order_by("id").values_list()),
        "packages": list(Package.objects.order_by("id").values_list()),
        "audit_logs": list(AuditLog.objects.order_by("id").values_list()),
    }


def put_in_status(session: Session, status: str) -> Session:
    """Give a session a recorded status directly, charging its package the way the service would."""
    fields: dict[str, Any] = {"status": status}
    if consumes(status):
        package = Package.objects.filter(request_id=session.request_id).order_by("created_at").first()
        assert package is not None
        Package.objects.filter(pk=package.pk).update(sessions_used=package.sessions_used + 1)
        fields["package"] = package
    Session.objects.filter(pk=session.pk).update(**fields)
    session.refresh_from_db()
    return session
