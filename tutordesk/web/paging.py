"""Keyset pages for the pages' lists: "Newer / Older" (or "Earlier / Later") links carry an opaque
cursor, never a page number, so a deep page costs what the first one does (no OFFSET), and the
count is bounded ("500+"), never a COUNT(*) over the whole list."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q, QuerySet, Value
from django.db.models.expressions import RawSQL

from tutordesk.core.cursors import after, decode_cursor, encode_cursor
from tutordesk.core.errors import ValidationError

COUNT_CAP = 500
LIST_SIZE = "keyset_list_size"  # the bounded count, read along with each page's rows
LIST_INDEX = "keyset_list_index"  # which list a row of several lists' pages belongs to
_PAGING_KEYS = (LIST_SIZE, LIST_INDEX)
FORWARD, BACKWARD = "a", "b"


@dataclass
class KeysetPage:
    rows: list[Any]
    before: str | None  # the cursor of the page above this one (newer, or earlier), if any
    after: str | None  # the cursor of the page below (older, or later), if any
    count: int  # how many rows the list holds, counted up to COUNT_CAP + 1

    @property
    def count_text(self) -> str:
        return f"{COUNT_CAP}+" if self.count > COUNT_CAP else str(self.count)

    @property
    def has_pages(self) -> bool:
        return self.before is not None or self.after is not None


def parse(cursor: str | None) -> tuple[str, Any, Any] | None:
    """(direction, time, id) of a page cursor; None for none or for one this code never issued
    (the list then starts at its first page)."""
    if not cursor or cursor[:1] not in (FORWARD, BACKWARD) or cursor[1:2] != ".":
        return None
    try:
        moment, row_id = decode_cursor(cursor[2:])
    except ValidationError:
        return None
    return cursor[0], moment, row_id


def _bare(rows: QuerySet[Any]) -> QuerySet[Any]:
    return rows


@dataclass(frozen=True)
class ListRead:
    """One list to read a page of: its bare rows, their order, the cursor the request carries.

    The list is `rows` narrowed by `where`. `decorate` adds what the rows show (joins,
    annotations) to the page's own query only, and once for the lists of one call that share
    `rows` and `decorate` (building those expressions costs more than narrowing the result);
    the bounded count reads the bare list. With `line`, `decorate` returns `values()` and each
    row's values become `line(**values)`: a list that shows a few columns of several tables is
    read without building a model instance for each table of each row.
    """

    rows: QuerySet[Any]
    time_field: str
    descending: bool
    cursor: str | None
    size: int
    decorate: Callable[[QuerySet[Any]], QuerySet[Any]] = _bare
    line: Callable[..., Any] | None = None
    where: Q = field(default_factory=Q)


def keyset_page(
    rows: QuerySet[Any],
    *,
    time_field: str,
    descending: bool,
    cursor: str | None,
    size: int,
    decorate: Callable[[QuerySet[Any]], QuerySet[Any]] = _bare,
    line: Callable[..., Any] | None = None,
) -> KeysetPage:
    """One page of `rows` in (time_field, id) order, and the cursors of its neighbours."""
    return keyset_pages(ListRead(rows, time_field, descending, cursor, size, decorate, line))[0]


def keyset_pages(*lists: ListRead) -> list[KeysetPage]:
    """A page of each list, in one statement: each page's bounded count is a subquery of its own
    query (PostgreSQL and SQLite run it once, not per row), and the pages of several lists are
    the parts of one UNION ALL where the database takes ordered and limited parts (PostgreSQL;
    SQLite reads each list with a statement of its own). A dashboard of three lists is one round
    trip to the database, not six."""
    together = len(lists) > 1 and connection.features.supports_slicing_ordering_in_compound
    decorated: dict[tuple[int, int], QuerySet[Any]] = {}
    for read in lists:
        key = (id(read.rows), id(read.decorate))
        if key not in decorated:
            decorated[key] = read.decorate(read.rows)
    plans = [
        _Plan(read, decorated[id(read.rows), id(read.decorate)], index if together else None)
        for index, read in enumerate(lists)
    ]
    fetched: list[list[Any]] = [[] for _ in plans]
    # A list known to be empty (a search that found nobody) reads nothing.
    reads = [(index, plan.query) for index, plan in enumerate(plans) if plan.query is not None]
    if together and len(reads) > 1:
        (_, first), *others = reads
        for row in first.union(*(query for _, query in others), all=True):
            fetched[_value(row, LIST_INDEX)].append(row)
    else:
        for index, query in reads:
            fetched[index] = list(query)
    return [plan.page(rows) for plan, rows in zip(plans, fetched, strict=True)]


class _Plan:
    """The query of one list's page, and how its rows become the page."""

    def __init__(self, read: ListRead, decorated: QuerySet[Any], index: int | None) -> None:
        self.read = read
        time_field = read.time_field
        rows = read.rows.filter(read.where) if read.where else read.rows
        # The first COUNT_CAP + 1 rows in the list's own order: the same index as the page reads.
        first_order = (f"-{time_field}", "-id") if read.descending else (time_field, "id")
        self.capped = rows.order_by(*first_order).values("pk")[: COUNT_CAP + 1]
        self.position = parse(read.cursor)
        self.backward = self.position is not None and self.position[0] == BACKWARD
        # Reading backward walks the list in reverse from the cursor, then turns the page round.
        self.reverse = read.descending != self.backward
        order = (f"-{time_field}", "-id") if self.reverse else (time_field, "id")
        self.query: QuerySet[Any] | None = None
        try:
            count_sql, count_params = self.capped.query.sql_with_params()
        except EmptyResultSet:  # a filter nothing can match (a search that found nobody)
            return
        # The count's SQL is the ORM's own, with its parameters kept apart: nothing is pasted in.
        capped_count = f"SELECT COUNT(*) FROM ({count_sql}) AS capped"  # noqa: S608
        extra: dict[str, Any] = {LIST_SIZE: RawSQL(capped_count, count_params)}  # noqa: S611
        if index is not None:
            extra[LIST_INDEX] = Value(index)
        if read.where:
            decorated = decorated.filter(read.where)
        query = decorated.annotate(**extra).order_by(*order)
        if self.position is not None:
            moment, row_id = self.position[1], self.position[2]
            query = query.filter(after(time_field, moment, row_id, descending=self.reverse))
        self.query = query[: read.size + 1]

    def page(self, fetched: list[Any]) -> KeysetPage:
        read, position = self.read, self.position
        # A UNION ALL promises no order across its parts' rows: put them back in the page's own.
        fetched.sort(key=lambda row: (_value(row, read.time_field), _value(row, "pk")), reverse=self.reverse)
        if fetched:
            count = _value(fetched[0], LIST_SIZE)
        else:  # an empty list, or a cursor past its end (the count needs its own statement then)
            count = 0 if position is None or self.query is None else self.capped.count()
        if read.line is not None:
            fetched = [
                read.line(**{k: v for k, v in row.items() if k not in _PAGING_KEYS}) for row in fetched
            ]
        more = len(fetched) > read.size
        fetched = fetched[: read.size]
        if self.backward:
            fetched.reverse()
        has_before = more if self.backward else position is not None
        has_after = True if self.backward else more
        return KeysetPage(
            rows=fetched,
            before=_cursor(BACKWARD, fetched[0], read.time_field) if fetched and has_before else None,
            after=_cursor(FORWARD, fetched[-1], read.time_field) if fetched and has_after else None,
            count=count,
        )


def _value(row: Any, name: str) -> Any:
    """A column of a fetched row: a model instance, or the dict of a `values()` list."""
    if isinstance(row, dict):
        return row["id"] if name == "pk" else row[name]
    return getattr(row, name)


def keyset_chunks(
    rows: QuerySet[Any],
    *,
    time_field: str,
    descending: bool,
    decorate: Callable[[QuerySet[Any]], QuerySet[Any]] = _bare,
    sizes: tuple[int, ...] = (100, 2000),
) -> Iterator[Any]:
    """Every row of `rows` in (time_field, id) order, for a download that streams them: read a
    chunk at a time (the sizes in turn, the last one then on), each chunk its own statement
    that starts where the one before stopped, by the index of the list's order.

    The first row comes as fast from a table of millions as from a small one: nothing counts,
    sorts or copies the whole list first (a server-side cursor opened outside a transaction is
    declared WITH HOLD, and PostgreSQL materialises all of its rows before the first one), and
    no transaction stays open while a slow client reads. Each chunk sees the rows committed by
    the time it runs, so rows written during a long download may be in it or not.
    """
    order = (f"-{time_field}", "-id") if descending else (time_field, "id")
    position = None
    for step in itertools.count():
        size = sizes[min(step, len(sizes) - 1)]
        chunk = decorate(rows).order_by(*order)
        if position is not None:
            chunk = chunk.filter(after(time_field, *position, descending=descending))
        fetched = list(chunk[:size])
        yield from fetched
        if len(fetched) < size:
            return
        last = fetched[-1]
        position = (_value(last, time_field), _value(last, "pk"))


def _cursor(direction: str, row: Any, time_field: str) -> str:
    return f"{direction}.{encode_cursor(_value(row, time_field), _value(row, 'pk'))}"
