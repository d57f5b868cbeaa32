"""Plain INSERT and UPDATE statements for the rows every status change writes.

The status update writes an audit row, its events, the session and the stored answer of its
Idempotency-Key on every request. Building those statements through the ORM's compiler cost more
CPU than PostgreSQL spent running them (docs/architecture.md, "Measured"), so these two helpers
write them directly from the model's own fields: each value goes through the field's
`pre_save` and `get_db_prep_save`, exactly as `Model.save()` would (auto_now times, JSON, UUIDs on
SQLite), and the SQL text is built once per model and column list. No signals are sent: no app
listens to these models' signals.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Field, Model


def insert_rows(rows: Sequence[Model]) -> None:
    """INSERT these new rows of one model in one statement. Their ids are set already (a UUID
    default) or made by the database (an auto-increment id, which is then not read back)."""
    if not rows:
        return
    model = type(rows[0])
    fields = _insert_fields(model)
    params = [
        field.get_db_prep_save(field.pre_save(row, True), connection) for row in rows for field in fields
    ]
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(model) + ", ".join([row_sql] * len(rows)), params)
    for row in rows:
        row._state.adding = False
        row._state.db = connection.alias


def update_where(model: type[Model], *, match: dict[str, Any], values: dict[str, Any]) -> int:
    """UPDATE the rows whose fields equal `match` (names of concrete fields, `pk` allowed) to
    `values`; return how many rows changed. `values` are plain values, no expressions."""
    meta = model._meta
    set_fields = [meta.get_field(name) for name in values]
    where_fields = [meta.pk if name == "pk" else meta.get_field(name) for name in match]
    params = [
        field.get_db_prep_save(value.pk if isinstance(value, Model) else value, connection)  # type: ignore[union-attr]
        for field, value in zip(set_fields, values.values(), strict=True)
    ]
    params += [
        field.get_db_prep_value(value, connection)  # type: ignore[union-attr]
        for field, value in zip(where_fields, match.values(), strict=True)
    ]
    sql = _update_sql(model, tuple(f.column for f in set_fields), tuple(f.column for f in where_fields))  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


@cache
def _insert_fields(model: type[Model]) -> list[Field[Any, Any]]:
    # Database-made values (an auto-increment id, a generated column) are left to the database.
    auto = model._meta.auto_field
    return [f for f in model._meta.concrete_fields if f is not auto and not f.generated]  # type: ignore[misc]


@cache
def _insert_sql(model: type[Model]) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in _insert_fields(model))
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "  # noqa: S608 (model columns only)


@cache
def _update_sql(model: type[Model], set_columns: tuple[str, ...], where_columns: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(c)} = %s" for c in set_columns)
    conditions = " AND ".join(f"{quote(c)} = %s" for c in where_columns)
    return f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {conditions}"  # noqa: S608 (model columns only)
