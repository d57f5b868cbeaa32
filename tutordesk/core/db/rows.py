"""Plain INSERT, UPDATE and SELECT statements for the rows every status change touches.

The status update writes an audit row, its events, the session and the stored answer of its
Idempotency-Key on every request. Building those statements through the ORM's compiler cost more
CPU than PostgreSQL spent running them (bench/profile_keyed_done.py), so these helpers
write them directly from the model's own fields: each value goes through the field's
`pre_save` and `get_db_prep_save`, exactly as `Model.save()` would (created and updated times from
the clock, JSON, UUIDs on SQLite), and the SQL text is built once per model and column list. No
signals are sent: no app listens to these models' signals. docs/architecture.md ("Written by
hand") says which statements are written here rather than by the ORM, and what each would cost.

The hand-written reads of that path (the token, the session's lock, the charge) name their columns
with `select_list` and become instances through `fetch_models`, which applies the same converters
the ORM would (UUIDs and times on SQLite) without a RawQuerySet's per-query column mapping.
Every statement here runs on a cursor the connection keeps for them (`statement_cursor`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import cache
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.db.models import Field, Model

from tutordesk.core.clock import UpdatedAtField

M = TypeVar("M", bound=Model)


@dataclass
class _Batch:
    """The rows `insert_rows` holds back inside `batched_inserts`, as (model, row count, values)."""

    savepoints: int  # open when the batch began: rows added inside a later savepoint go at once
    rows: list[tuple[type[Model], int, list[Any]]] = dataclass_field(default_factory=list)


# Per thread and per task, as each thread has its own connection (and as `core.clock` keeps its
# instant): another thread's changes are never held in this one's batch.
_batch: ContextVar[_Batch | None] = ContextVar("tutordesk_insert_batch", default=None)


def insert_rows(rows: Sequence[Model]) -> None:
    """INSERT these new rows of one model in one statement. Their ids are set already (a UUID
    default) or made by the database (an auto-increment id, which is then not read back).
    Every value is worked out now (`auto_now_add` times included); inside `batched_inserts` the
    statement is sent at the batch's end instead."""
    if not rows:
        return
    model = type(rows[0])
    fields = _insert_fields(model)
    own = _own_connection()
    params = [field.get_db_prep_save(field.pre_save(row, True), own) for row in rows for field in fields]
    for row in rows:
        row._state.adding = False
        row._state.db = own.alias
    batch = _batch.get()
    # Rows added inside a savepoint opened within the batch go at once: a rollback to that
    # savepoint must take them away, and the batch is sent only at its end.
    if batch is not None and batch.savepoints == _savepoints():
        batch.rows.append((model, len(rows), params))
        return
    with statement_cursor(own) as cursor:
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
    if _batch.get() is not None:
        yield
        return
    batch = _Batch(savepoints=_savepoints())
    token = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(token)
    _send(batch.rows)


def _own_connection() -> BaseDatabaseWrapper:
    """This thread's connection itself. `connection` is a proxy shared by all threads that looks
    the thread's connection up again on every attribute read (a context-local look-up each time):
    the hot path's helpers look it up once and hand the connection itself to the fields."""
    return connections[DEFAULT_DB_ALIAS]


# Where a connection keeps the cursor of the row helpers: (the driver's connection and the time zone
# it was made with, the cursor).
_KEPT_CURSOR = "_tutordesk_statement_cursor"


@contextmanager
def statement_cursor(own: BaseDatabaseWrapper) -> Iterator[CursorWrapper]:
    """A cursor of `own` for one statement of the row helpers, kept for the next one.

    `connection.cursor()` makes a new cursor each time: the connection's health check, the time
    zone of the cursor's loaders, a new wrapper; measured, about as much CPU on the client as a
    short statement itself. These helpers run several statements on every status change, so each
    connection keeps one cursor for them, made the same way, and uses it again while the
    connection is the same. Executing through it is executing through Django's own wrapper
    (its error translation and execute wrappers included). A fresh cursor is made, and closed
    after its statement, while queries are being recorded (DEBUG, a test's
    CaptureQueriesContext: Django's recording cursor sees every statement) and while the
    connection is shared between threads (a test's live server on SQLite).
    """
    own.close_if_health_check_failed()
    own.ensure_connection()
    own.validate_thread_sharing()  # as `cursor()` does: another thread's connection is refused
    if own.queries_logged or own.allow_thread_sharing:
        with own.cursor() as fresh:
            yield fresh
        return
    kept = own.__dict__.get(_KEPT_CURSOR)
    # Made again for a new connection, and when the connection's time zone changed (a test that
    # overrides USE_TZ): a cursor reads times in the zone it was made with.
    if kept is None or kept[0] is not own.connection or kept[1] != own.timezone:
        cursor = own.cursor()
        read_times_fast = getattr(own, "read_times_fast", None)  # PostgreSQL's backend has it
        if read_times_fast is not None:
            read_times_fast(cursor)
        kept = own.__dict__[_KEPT_CURSOR] = (own.connection, own.timezone, cursor)
    yield kept[2]


# Bound parameters of one statement: under PostgreSQL's 65,535 and SQLite's 32,766. A change that
# adds more (an import of thousands of rows) sends each table's rows as one single-row INSERT run
# for every row (`executemany`: psycopg parses the statement once and pipelines the rows; a
# statement of tens of thousands of placeholders cost more to parse on the client than to run).
MAX_BATCH_PARAMS = 30_000


def _send_in_chunks(grouped: dict[type[Model], tuple[int, list[Any]]]) -> None:
    with statement_cursor(_own_connection()) as cursor:
        for model, (count, params) in grouped.items():
            width = len(params) // count
            rows = [params[start : start + width] for start in range(0, len(params), width)]
            cursor.executemany(_insert_statement(model, 1), rows)


def _savepoints() -> int:
    # An atomic block without a savepoint (savepoint=False) is marked None: it cannot roll back alone.
    return sum(1 for sid in _own_connection().savepoint_ids if sid is not None)


def _send(batch: list[tuple[type[Model], int, list[Any]]]) -> None:
    # Rows of one model go together, in the order they were added.
    grouped: dict[type[Model], tuple[int, list[Any]]] = {}
    for model, count, params in batch:
        held_count, held_params = grouped.get(model, (0, []))
        grouped[model] = (held_count + count, held_params + params)
    statements = [(_insert_statement(model, count), params) for model, (count, params) in grouped.items()]
    if not statements:
        return
    if sum(len(params) for _, params in statements) > MAX_BATCH_PARAMS:
        _send_in_chunks(grouped)
        return
    own = _own_connection()
    with statement_cursor(own) as cursor:
        if own.vendor != "postgresql" or len(statements) == 1:
            for sql, params in statements:
                cursor.execute(sql, params)
            return
        *first, (last_sql, _) = statements
        heads = ", ".join(f"added_{n} AS ({sql})" for n, (sql, _) in enumerate(first))
        cursor.execute(f"WITH {heads} {last_sql}", [value for _, params in statements for value in params])


def update_if(instance: Model, *, where: Mapping[str, object], values: Mapping[str, object]) -> bool:
    """UPDATE the instance's row to `values` if the row still holds `where` (a check-and-set);
    True when it did. Names are the model's concrete fields (a foreign key by its name, given an
    instance, or by its `_id`); values are plain values, no expressions.

    As `save(update_fields=…)` would: the instance takes `values` first, then every column written
    goes through its field's `pre_save`, so an `UpdatedAtField` is set from the clock with the rest
    (callers never pass it) and the instance holds what was written. When nothing matched, the
    instance holds values the database does not: the caller raises, and its transaction rolls back.
    """
    model = type(instance)
    sql, set_fields, where_fields = _update_plan(model, tuple(values), tuple(where))
    for name, value in values.items():
        setattr(instance, name, value)
    own = _own_connection()
    params = [field.get_db_prep_save(field.pre_save(instance, False), own) for field in set_fields]
    params += [
        field.get_db_prep_value(value, own)
        for field, value in zip(where_fields, (instance.pk, *where.values()), strict=True)
    ]
    with statement_cursor(own) as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount) == 1


def stamp_assignments(model: type[Model]) -> str:
    """`column = %(column)s` for each column a change of a `model` row sets on its own (an
    `UpdatedAtField`): for the SET of an UPDATE written by hand, whose parameters take
    `stamp_values(model)`."""
    quote = connection.ops.quote_name
    return ", ".join(f"{quote(f.column)} = %({f.column})s" for f in _stamp_fields(model))


def stamp_values(model: type[Model]) -> dict[str, Any]:
    """The values of `stamp_assignments(model)` for a change made now (the clock's instant)."""
    own = _own_connection()
    return {f.column: f.get_db_prep_save(f.stamp(), own) for f in _stamp_fields(model)}


def select_list(model: type[Model], alias: str = "") -> str:
    """The model's columns, in field order, under `alias` (none: unqualified, as RETURNING wants
    them): the head of a SELECT for `fetch_models`."""
    return _select_list(model, alias)


def fetch_models(
    model: type[M], sql: str, params: Sequence[Any] | Mapping[str, Any]
) -> list[tuple[M, tuple[Any, ...]]]:
    """Run a SELECT (or `… RETURNING`) whose first columns are `select_list(model, …)`; return each
    row as an instance of `model` and the row's further columns, as the database gave them."""
    own = _own_connection()
    with statement_cursor(own) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # Worked out once per model and connection (each thread has its own connection).
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
                values[index] = convert(values[index], column, own)
        found.append((model.from_db(own.alias, attnames, values), tuple(row[width:])))
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
    return [f for f in model._meta.concrete_fields if f is not auto and not f.generated]


@cache
def _stamp_fields(model: type[Model]) -> tuple[UpdatedAtField, ...]:
    return tuple(f for f in model._meta.concrete_fields if isinstance(f, UpdatedAtField))


@cache
def _concrete_fields(model: type[Model]) -> dict[str, Field[Any, Any]]:
    """The model's columns by field name and by attribute name (`request` and `request_id`)."""
    fields: dict[str, Field[Any, Any]] = {"pk": model._meta.pk}
    for field in model._meta.concrete_fields:
        fields[field.name] = fields[field.attname] = field
    return fields


@cache
def _insert_statement(model: type[Model], count: int) -> str:
    quote = connection.ops.quote_name
    fields = _insert_fields(model)
    columns = ", ".join(quote(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES " + ", ".join([row] * count)  # noqa: S608 (model columns only)


@cache
def _update_plan(
    model: type[Model], set_names: tuple[str, ...], where_names: tuple[str, ...]
) -> tuple[str, list[Field[Any, Any]], list[Field[Any, Any]]]:
    """The UPDATE of one row by primary key and `where_names`, setting `set_names` and the model's
    stamps; with the fields whose values fill its parameters, in order."""
    fields = _concrete_fields(model)
    set_fields = [fields[name] for name in set_names]
    set_fields += [f for f in _stamp_fields(model) if f not in set_fields]
    where_fields = [fields["pk"], *(fields[name] for name in where_names)]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in set_fields)
    conditions = " AND ".join(f"{quote(f.column)} = %s" for f in where_fields)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {conditions}"  # noqa: S608 (model columns only)
    return sql, set_fields, where_fields
