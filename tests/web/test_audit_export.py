"""The audit log's CSV export streams every row, newest first, a chunk at a time by the index of
its order: its first row needs no count, sort or copy of the whole log, however long."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.web.conftest import logged_in
from tutordesk.audit.models import AuditLog
from tutordesk.audit.services import audit_log_write
from tutordesk.core import clock
from tutordesk.tutoring.audit import PackageCreated
from tutordesk.web.paging import keyset_chunks

ONE_INSTANT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def write_rows(admin, count: int, *, at: datetime | None = None) -> None:
    """`count` audit rows, all written at one instant when `at` is given (ties in the order)."""
    for _ in range(count):
        if at is None:
            audit_log_write(
                actor=admin,
                entity_id=uuid.uuid4(),
                details=PackageCreated(request_id=uuid.uuid4(), sessions_total=1),
            )
        else:
            with clock.at(at):
                audit_log_write(
                    actor=admin,
                    entity_id=uuid.uuid4(),
                    details=PackageCreated(request_id=uuid.uuid4(), sessions_total=1),
                )


def exported_ids(client, url: str = "/audit/export.csv") -> list[uuid.UUID]:
    response = client.get(url)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "id"
    return [uuid.UUID(row[0]) for row in rows[1:]]


def test_the_export_has_every_row_newest_first_across_its_chunks(admin):
    write_rows(admin, 90)
    write_rows(admin, 40, at=ONE_INSTANT)  # the first chunk (100 rows) ends inside a run of ties
    every = list(AuditLog.objects.order_by("-created_at", "-id").values_list("id", flat=True))
    assert len(every) > 100
    assert exported_ids(logged_in(admin)) == every


def test_chunks_walk_a_run_of_equal_times_without_repeating_or_skipping_a_row(admin):
    write_rows(admin, 11, at=ONE_INSTANT)
    logs = AuditLog.objects.filter(created_at=ONE_INSTANT)
    expected = list(logs.order_by("-created_at", "-id").values_list("id", flat=True))
    with CaptureQueriesContext(connection) as ctx:
        chunks = keyset_chunks(logs, time_field="created_at", descending=True, sizes=(2, 3))
        assert [log.id for log in chunks] == expected
    # 2 + 3 + 3 + 3 rows, then one statement that finds the list's end.
    assert len(ctx.captured_queries) == 5
    oldest_first = keyset_chunks(logs, time_field="created_at", descending=False, sizes=(4,))
    assert [log.id for log in oldest_first] == expected[::-1]


def test_the_first_row_comes_from_a_small_chunk_read_by_the_index(admin):
    write_rows(admin, 120)
    client = logged_in(admin)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/audit/export.csv")
        chunks = iter(response.streaming_content)
        next(chunks), next(chunks)  # the header, then the first row
    assert sum(1 for _ in chunks) == len(AuditLog.objects.all()) - 1  # the rest, unchecked
    reads = [q["sql"] for q in ctx.captured_queries if '"audit_logs"' in q["sql"]]
    assert len(reads) == 1, reads  # (tests/web/test_list_plans.py EXPLAINs it on PostgreSQL)
    assert "COUNT(" not in reads[0].upper() and "LIMIT 100" in reads[0]


@pytest.mark.parametrize("url", ["/audit/export.csv?actor=nobody-at-all", "/audit/export.csv?action=nothing"])
def test_an_export_that_matches_nothing_is_just_its_header(admin, url):
    write_rows(admin, 3)
    assert exported_ids(logged_in(admin), url) == []
