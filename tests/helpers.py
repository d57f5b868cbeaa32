"""Test helpers: call services as their real callers do (inside an outermost transaction),
bring a session to any status through them, and snapshot the tables to prove that a refused
change wrote nothing."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tests.factories import system_admin
from tutordesk.accounts.models import User
from tutordesk.audit.models import AuditLog
from tutordesk.events.models import Event
from tutordesk.scheduling.models import Session
from tutordesk.scheduling.services import session_correct_status, session_update_status
from tutordesk.scheduling.status import SessionStatus
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
        "events": list(Event.objects.order_by("id").values_list()),
    }


def bring_to_status(session: Session, status: str, *, actor: User | None = None) -> Session:
    """Give `session` `status` the way the product does, and return it as the database now holds it.

    A scheduled session is recorded with `session_update_status`, by its tutor unless `actor` is
    given (an outcome needs a session that has started); a recorded one is corrected, `scheduled`
    included, with `session_correct_status` by an admin (the system admin unless `actor` is given).
    Charges, refunds and audit rows follow as they do in the product.
    """
    current = Session.objects.get(pk=session.pk).status
    if current == status:
        pass
    elif current == SessionStatus.SCHEDULED:
        tutor = User.objects.get(pk=session.tutor_id)
        update_status(session_id=session.pk, status=status, actor=actor or tutor)
    else:
        correct_status(
            session_id=session.pk, status=status, reason="Set up for a test", actor=actor or system_admin()
        )
    session.refresh_from_db()
    return session
