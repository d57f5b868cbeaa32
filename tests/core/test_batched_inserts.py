"""`batched_inserts`: rows added inside the block reach the database together at its end (one
statement on PostgreSQL), and not at all when the block raises."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tutordesk.audit.models import AuditLog
from tutordesk.audit.services import audit_log_write
from tutordesk.core.db.rows import batched_inserts
from tutordesk.events.models import Event, EventType
from tutordesk.events.services import NewEvent, events_record
from tutordesk.tutoring.audit import PackageCreated

pytestmark = pytest.mark.django_db


def audit(entity_id: uuid.UUID, n: int) -> None:
    audit_log_write(
        actor=None, entity_id=entity_id, details=PackageCreated(request_id=entity_id, sessions_total=n)
    )


def add_rows(entity_id: uuid.UUID) -> None:
    """An audit row, an event, then another audit row."""
    audit(entity_id, 1)
    events_record(changes=[NewEvent(EventType.SESSION_CREATED, {"session": {"id": str(entity_id)}})])
    audit(entity_id, 2)


def test_rows_are_held_back_until_the_block_ends_then_sent_together():
    entity_id = uuid.uuid4()
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        with batched_inserts():
            add_rows(entity_id)
            assert captured.captured_queries == []
        sent = [q["sql"] for q in captured.captured_queries]

    # audit rows first (both in one INSERT), then the event, as they were first added
    assert len(sent) == (1 if connection.vendor == "postgresql" else 2), sent
    assert sent[0].index('INSERT INTO "audit_logs"') < "".join(sent).index('INSERT INTO "events"')
    rows = AuditLog.objects.filter(entity_id=entity_id).order_by("details__sessions_total")
    assert [row.details["sessions_total"] for row in rows] == [1, 2]
    assert Event.objects.filter(data__session__id=str(entity_id)).count() == 1


def test_a_block_that_raises_sends_nothing():
    entity_id = uuid.uuid4()
    with transaction.atomic():
        with pytest.raises(LookupError), batched_inserts():
            add_rows(entity_id)
            raise LookupError("the change failed")
        # the transaction goes on: nothing of the failed block was written in it
        assert not AuditLog.objects.filter(entity_id=entity_id).exists()
        assert not Event.objects.filter(data__session__id=str(entity_id)).exists()
        add_rows(entity_id)  # outside any block: written at once
    assert AuditLog.objects.filter(entity_id=entity_id).count() == 2


def test_a_block_inside_another_joins_it():
    entity_id = uuid.uuid4()
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        with batched_inserts():
            with batched_inserts():
                add_rows(entity_id)
            assert captured.captured_queries == []
        assert len(captured.captured_queries) == (1 if connection.vendor == "postgresql" else 2)
    assert AuditLog.objects.filter(entity_id=entity_id).count() == 2


def test_rows_added_inside_a_savepoint_go_at_once_and_roll_back_with_it():
    kept, undone = uuid.uuid4(), uuid.uuid4()
    with transaction.atomic(), batched_inserts():
        audit(kept, 1)
        with pytest.raises(LookupError), transaction.atomic():
            add_rows(undone)
            assert AuditLog.objects.filter(entity_id=undone).count() == 2  # sent at once
            raise LookupError("the inner step failed")
    assert not AuditLog.objects.filter(entity_id=undone).exists()
    assert not Event.objects.filter(data__session__id=str(undone)).exists()
    assert AuditLog.objects.filter(entity_id=kept).count() == 1
