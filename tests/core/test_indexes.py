"""No index is a leading part of another on the same table: such an index answers nothing the
longer one cannot, and every write to the table pays for it (the status update rewrites each of the
sessions table's indexes). Read from the database itself, after all migrations."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db


def product_models():
    return [m for m in apps.get_models() if m.__module__.startswith("tutordesk.")]


def partial_index_names() -> set[str]:
    # A partial index or unique constraint covers only some rows: neither makes the other redundant.
    return {
        item.name
        for model in product_models()
        for item in [*model._meta.indexes, *model._meta.constraints]
        if getattr(item, "condition", None) is not None
    }


def redundant_indexes() -> list[str]:
    partial = partial_index_names()
    found = []
    with connection.cursor() as cursor:
        for model in product_models():
            table = model._meta.db_table
            constraints = connection.introspection.get_constraints(cursor, table)
            # PostgreSQL's `_like` indexes (Django's, for LIKE on a unique text column) use another
            # operator class: the unique index cannot answer what they do.
            indexes = {
                name: tuple(info["columns"])
                for name, info in constraints.items()
                if (info["index"] or info["unique"]) and not name.endswith("_like")
            }
            for name, columns in indexes.items():
                if constraints[name]["unique"] or name in partial:
                    continue
                for other, longer in indexes.items():
                    if other != name and other not in partial and longer[: len(columns)] == columns:
                        found.append(f"{table}.{name} {columns} is led by {other} {longer}")
                        break
    return found


def test_no_index_is_the_leading_part_of_another():
    assert redundant_indexes() == []


def test_the_check_sees_a_redundant_index():
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX sessions_tutor_only_idx ON sessions (tutor_id)")
    try:
        assert any("sessions_tutor_only_idx" in line for line in redundant_indexes())
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX sessions_tutor_only_idx")
