"""Plain INSERT, UPDATE and SELECT statements for the rows every status change touches.

The status update writes an audit row, its events, the session and the stored answer of its
Idempotency-Key on every request. Building those statements through the ORM's compiler cost more
CPU than PostgreSQL spent running them (bench/profile_keyed_done.py), so these helpers
write them directly from the model's own fields: each value goes through the field's
`pre_save` and `get_db_prep_save`, exactly as `Model.save()` would (auto_now times, JSON, UUIDs on
SQLite), and the SQL text is built once per model and column list. No signals are sent: no app
listens to these models' signals.

The hand-written reads of that path (the token, the session's lock, the charge) name their columns
with `select_list` and become instances through `fetch_models`, which applies the same converters
the ORM would (UUIDs and times on SQLite) without a RawQuerySet's per-query column mapping.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)
_BATCH_ATTRIBUTE = "_tutordesk_insert_batch"


def insert_rows(rows: Sequence[Model]) -> None:
    """INSERT these new rows of one model in one statement. Their ids are set already (a UUID
    default) or made by the database (an auto-increment id, which is then not read back).
    Every value is worked out now (`auto_now_add` times included); inside `batched_inserts` the
    statement is sent at the batch's end instead."""
    if not rows:
        return
    model = type(rows[0])
    fields = _insert_fields(model)
    params = [
        field.get_db_prep_save(field.pre_save(row, True), connection) for row in rows for field in fields
    ]
    for row in rows:
        row._state.adding = False
        row._state.db = connection.alias
    held: tuple[int, list[tuple[type[Model], int, list[Any]]]] | None = getattr(
        connection, _BATCH_ATTRIBUTE, None
    )
    # Rows added inside a savepoint opened within the batch go at once: a rollback to that
    # savepoint must take them away, and the batch is sent only at its end.
    if held is not None and held[0] == _savepoints():
        held[1].append((model, len(rows), params))
        return
    with connection.cursor() as cursor:
        cursor.execute(_insert_statement(model, len(rows)), params)


@contextmanager
def batched_inserts() -> Iterator[None]:
    """Within, `insert_rows` holds its rows back; when the block ends normally they are all sent
    at once: on PostgreSQL in one statement (one INSERT per table inside a WITH), on SQLite, which
    has no INSERT inside WITH, one statement per table. When the block raises, nothing is sent
    (the transaction it runs in rolls back). For work inside one transaction that does not read
    back the rows it adds: the status update adds an audit row, its events and the stored answer
    of its Idempotency-Key, and saves two round trips this way. A block inside another joins it;
    rows added inside a savepoint opened within the block are sent at once.
    """
    if getattr(connection, _BATCH_ATTRIBUTE, None) is not None:
        yield
        return
    batch: list[tuple[type[Model], int, list[Any]]] = []
    setattr(connection, _BATCH_ATTRIBUTE, (_savepoints(), batch))
    try:
        yield
    finally:
        setattr(connection, _BATCH_ATTRIBUTE, None)
    _send(batch)


def _savepoints() -> int:
    # An atomic block without a savepoint (savepoint=False) is marked None: it cannot roll back alone.
    return sum(1 for sid in connection.savepoint_ids if sid is not None)


def _send(batch: list[tuple[type[Model], int, list[Any]]]) -> None:
    # Rows of one model go together, in the order they were added.
    grouped: dict[type[Model], tuple[int, list[Any]]] = {}
    for model, count, params in batch:
        held_count, held_params = grouped.get(model, (0, []))
        grouped[model] = (held_count + count, held_params + params)
    statements = [(_insert_statement(model, count), params) for model, (count, params) in grouped.items()]
    if not statements:
        return
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql" or len(statements) == 1:
            for sql, params in statements:
                cursor.execute(sql, params)
            return
        *first, (last_sql, _) = statements
        heads = ", ".join(f"added_{n} AS ({sql})" for n, (sql, _) in enumerate(first))
        cursor.execute(f"WITH {heads} {last_sql}", [value for _, params in statements for value in params])


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


def select_list(model: type[Model], alias: str = "") -> str:
    """The model's columns, in field order, under `alias` (none: unqualified, as RETURNING wants
    them): the head of a SELECT for `fetch_models`."""
    return _select_list(model, alias)


def fetch_models(model: type[M], sql: str, params: Sequence[Any]) -> list[tuple[M, tuple[Any, ...]]]:
    """Run a SELECT (or `… RETURNING`) whose first columns are `select_list(model, …)`; return each
    row as an instance of `model` and the row's further columns, as the database gave them."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # Worked out once per model and connection (each thread has its own connection).
    own = connections[DEFAULT_DB_ALIAS]  # `connection` is a proxy shared by all threads
    cache: dict[type[Model], Any] = own.__dict__.setdefault("_tutordesk_readers", {})
    if model not in cache:
        cache[model] = _readers(model)
    attnames, converters = cache[model]
    width = len(attnames)
    found: list[tuple[M, tuple[Any, ...]]] = []
    for row in rows:
        values = list(row[:width])
        for index, column, functions in converters:
            for convert in functions:
                values[index] = convert(values[index], column, connection)
        found.append((model.from_db(connection.alias, attnames, values), tuple(row[width:])))
    return found


@cache
def _select_list(model: type[Model], alias: str) -> str:
    quote = connection.ops.quote_name
    prefix = f"{quote(alias)}." if alias else ""
    return ", ".join(f"{prefix}{quote(f.column)}" for f in model._meta.concrete_fields)


def _readers(model: type[Model]) -> tuple[list[str], list[tuple[int, Any, list[Any]]]]:
    """The attribute names of the model's columns, and for each column that needs them the
    converters the ORM's compiler would apply (backend's first, then the field's)."""
    fields = model._meta.concrete_fields
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if functions:
            converters.append((index, column, functions))
    return [f.attname for f in fields], converters


@cache
def _insert_fields(model: type[Model]) -> list[Field[Any, Any]]:
    # Database-made values (an auto-increment id, a generated column) are left to the database.
    auto = model._meta.auto_field
    return [f for f in model._meta.concrete_fields if f is not auto and not f.generated]  # type: ignore[misc]


@cache
def _insert_statement(model: type[Model], count: int) -> str:
    quote = connection.ops.quote_name
    fields = _insert_fields(model)
    columns = ", ".join(quote(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES " + ", ".join([row] * count)  # noqa: S608 (model columns only)


@cache
def _update_sql(model: type[Model], set_columns: tuple[str, ...], where_columns: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(c)} = %s" for c in set_columns)
    conditions = " AND ".join(f"{quote(c)} = %s" for c in where_columns)
    return f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {conditions}"  # noqa: S608 (model columns only)
