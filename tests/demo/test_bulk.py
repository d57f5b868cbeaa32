"""The bulk load: the schema ends exactly as it began when indexes and foreign keys are dropped
for the load, the rows do not depend on that choice, and bulk rows read back as the models expect."""

from __future__ import annotations

from datetime import UTC

import pytest
from django.db import connection, transaction
from django.utils import timezone

from tests.demo.helpers import every_row
from tutordesk.demo.builder import seed_demo
from tutordesk.demo.bulk import Table, _columns
from tutordesk.scheduling.models import Session
from tutordesk.tutoring.models import Package


def schema() -> list[tuple]:
    """Every index, constraint and trigger, by name and definition."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                """
                SELECT 'index', indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index
                 WHERE indrelid::regclass::text NOT LIKE 'pg_%%'
                UNION ALL
                SELECT 'constraint', conrelid::regclass::text || '.' || conname,
                       pg_get_constraintdef(oid) || ' ' || convalidated::text FROM pg_constraint
                 WHERE connamespace = 'public'::regnamespace
                UNION ALL
                SELECT 'trigger', tgrelid::regclass::text || '.' || tgname, pg_get_triggerdef(oid)
                  FROM pg_trigger WHERE NOT tgisinternal
                ORDER BY 1, 2
                """
            )
        else:
            cursor.execute(
                "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%%' ORDER BY 1, 2"
            )
        return cursor.fetchall()


def seed_in_savepoint(**kwargs) -> dict[str, list[tuple]]:
    """Seed, read every row back, and roll it all back."""
    with transaction.atomic():
        seed_demo(seed=5, password="pw", now=timezone.now(), **kwargs)
        rows = every_row()
        transaction.set_rollback(True)
    return rows


def test_a_load_with_its_indexes_rebuilt_leaves_the_schema_as_it_was(db):
    before = schema()
    assert len(before) > 40
    with transaction.atomic():
        seed_demo(
            tutors=3,
            students=12,
            sessions_per_match=8,
            seed=1,
            password="pw",
            now=timezone.now(),
            rebuild_indexes=True,
        )
        assert Session.objects.count() == 97
        assert schema() == before
        transaction.set_rollback(True)


def test_the_rows_do_not_depend_on_rebuilding_indexes(db):
    sizes = {"tutors": 2, "students": 9, "sessions_per_match": 6}
    assert seed_in_savepoint(rebuild_indexes=True, **sizes) == seed_in_savepoint(
        rebuild_indexes=False, **sizes
    )


def test_bulk_rows_read_back_as_the_models_expect(db):
    seed_demo(tutors=2, students=8, sessions_per_match=4, seed=1, password="pw", now=timezone.now())
    session = Session.objects.filter(student__email="student8@example.com").first()
    assert session is not None
    assert session.scheduled_start_at.tzinfo is not None
    assert session.scheduled_start_at.astimezone(UTC).minute == 0
    assert session.duration_minutes in (45, 60) and session.meet_link.startswith("https://meet.example.com/")
    assert (session.status, session.tutor_notes, session.package_id) == ("scheduled", "", None)
    assert session.match.tutor_id == session.tutor_id and session.match.request_id == session.request_id
    assert session.request.student_id == session.student_id
    package = Package.objects.get(request=session.request)
    assert (package.sessions_total, package.sessions_used, package.status) == (10, 0, "active")


def test_a_field_the_rows_leave_out_gets_its_default_or_a_clear_error(db):
    given = ["id", "match", "request", "tutor", "student", "scheduled_start_at", "duration_minutes"]
    columns, extra = _columns(Table(Session, [*given, "created_at", "updated_at"]), connection)
    assert columns[:3] == ["id", "match_id", "request_id"]
    assert columns[9:] == ["status", "tutor_notes"] and extra == ["scheduled", ""]  # constant defaults
    assert "package_id" not in columns  # nullable: NULL
    with pytest.raises(RuntimeError, match=r"cannot fill sessions\.created_at"):
        _columns(Table(Session, given), connection)
    with pytest.raises(RuntimeError, match=r"cannot fill sessions\.id"):  # a unique default, per row
        _columns(Table(Session, given[1:]), connection)
