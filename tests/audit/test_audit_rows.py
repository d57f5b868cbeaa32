from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tests.helpers import update_status
from tutordesk.audit.models import AuditLog
from tutordesk.core.errors import SessionNotStarted

STATUS_UPDATED = "session_status_updated"


def test_a_status_update_writes_exactly_one_audit_row(past_session, package, tutor):
    before = set(AuditLog.objects.values_list("id", flat=True))
    update_status(session_id=past_session.id, status="done", actor=tutor, tutor_notes="Fractions")
    rows = list(AuditLog.objects.exclude(id__in=before))
    assert len(rows) == 1
    row = rows[0]
    assert row.action == STATUS_UPDATED
    assert row.entity_id == past_session.id
    assert row.entity_type == "session"
    assert row.actor_id == tutor.id
    assert row.details == {
        "from_status": "scheduled",
        "status": "done",
        "tutor_notes": "Fractions",
        "package_id": str(package.id),
        "sessions_used_after": 1,
        "replacement_session_id": None,
        "new_start_at": None,
    }


def test_an_uncharged_update_records_nulls(past_session, tutor):
    update_status(session_id=past_session.id, status="no_show_tutor", actor=tutor)
    row = AuditLog.objects.get(entity_id=past_session.id, action=STATUS_UPDATED)
    assert row.details["package_id"] is None
    assert row.details["sessions_used_after"] is None


def test_a_reschedule_records_the_replacement(future_session, tutor):
    change = update_status(
        session_id=future_session.id,
        status="rescheduled",
        actor=tutor,
        new_start_at=timezone.now() + timedelta(days=2),
    )
    row = AuditLog.objects.get(entity_id=future_session.id, action=STATUS_UPDATED)
    assert row.details["replacement_session_id"] == str(change.replacement_session.id)


def test_a_refused_update_writes_no_audit_row(future_session, tutor):
    before = list(AuditLog.objects.order_by("id").values_list())
    with pytest.raises(SessionNotStarted):
        update_status(session_id=future_session.id, status="done", actor=tutor)
    assert list(AuditLog.objects.order_by("id").values_list()) == before
    assert not AuditLog.objects.filter(action=STATUS_UPDATED).exists()


def raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_database_refuses_to_update_an_audit_row(past_session, tutor):
    update_status(session_id=past_session.id, status="no_show_tutor", actor=tutor)
    row = AuditLog.objects.get(action=STATUS_UPDATED)
    with pytest.raises(IntegrityError, match="audit_logs is append-only"):
        raw(
            "UPDATE audit_logs SET action = %s WHERE id = %s",
            ["rewritten", row.id.hex if connection.vendor == "sqlite" else row.id],
        )
    assert AuditLog.objects.get(pk=row.pk).action == STATUS_UPDATED


def test_the_database_refuses_to_delete_an_audit_row(past_session, tutor):
    update_status(session_id=past_session.id, status="no_show_tutor", actor=tutor)
    rows = list(AuditLog.objects.order_by("id").values_list())
    with pytest.raises(IntegrityError, match="audit_logs is append-only"):
        raw("DELETE FROM audit_logs", [])
    assert list(AuditLog.objects.order_by("id").values_list()) == rows
