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
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.db.models.expressions import RawSQL

from tutordesk.core.cursors import after, decode_cursor, encode_cursor
from tutordesk.core.errors import ValidationError

COUNT_CAP = 500
LIST_SIZE = "keyset_list_size"  # the bounded count, read along with each page's rows
LIST_MEMBER = "keyset_list_member"  # whether a row of several lists' statement is on one list
ALSO = "keyset_also_"  # the values of keyset_pages(also=…), read along with the rows
_PAGING_PREFIXES = (LIST_SIZE, LIST_MEMBER, ALSO)
FORWARD, BACKWARD = "a", "b"


@dataclass
class KeysetPage:
    rows: list[Any]
    before: str | None  # the cursor of the page above this one (newer, or earlier), if any
    after: str | None  # the cursor of the page below (older, or later), if any
    count: int  # how many rows the list holds, counted up to COUNT_CAP + 1
    # What `keyset_pages(also=…)` read along with the rows; empty when no row came back.
    also: dict[str, Any] = field(default_factory=dict)

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

    The list is `rows` narrowed by `where` (lists of one page narrow one `rows`). `decorate`
    adds what the rows show (annotations, subqueries) to the page's rows only: the bounded count
    reads the bare list, and lists read together are decorated once (see `keyset_pages`). With
    `line`, `decorate` returns `values()` and each row's values become `line(**values)`: a list
    that shows a few columns of several tables is read without building a model instance for
    each table of each row.
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


def keyset_pages(*lists: ListRead, also: dict[str, Any] | None = None) -> list[KeysetPage]:
    """A page of each list, and each page's bounded count (a subquery of the page's own
    statement, run once, not per row).

    `also` names other expressions that hold nothing of any row (a fact about the viewer, as the
    count is about the list): they are read in the same statement, once, and every page gets
    their values in `also` when any row came back (when none did, the caller asks elsewhere).

    Lists that narrow one queryset (a dashboard's) are read together in one statement where the
    database takes ordered and limited parts in a compound statement (PostgreSQL): the ids of
    each list's page are the parts of one UNION ALL, and what the rows show is added once, to the
    rows of those ids (`decorate` is then given the model's rows with those primary keys). Each
    row says which lists it belongs to (its list's filter and cursor, evaluated on the row), and
    the counts ride along. Otherwise (SQLite, or lists of different querysets) each list is its
    own statement.
    """
    plans = [_Plan(read, index) for index, read in enumerate(lists)]
    live = [plan for plan in plans if not plan.empty]  # a list known to be empty reads nothing
    first = live[0].read if live else None
    together = (
        first is not None
        and len(live) > 1
        and connection.features.supports_slicing_ordering_in_compound
        and all(plan.read.rows is first.rows and plan.read.decorate is first.decorate for plan in live)
    )
    extra = {f"{ALSO}{name}": value for name, value in (also or {}).items()}
    fetched: list[list[Any]] = [[] for _ in plans]
    if together and first is not None:
        head, *rest = (plan.ids() for plan in live)
        rows = first.decorate(first.rows.model._default_manager.filter(pk__in=head.union(*rest, all=True)))
        extra.update({name: value for plan in live for name, value in plan.columns().items()})
        for row in rows.annotate(**extra):
            for plan in live:
                if _value(row, plan.member):
                    fetched[plan.index].append(row)
    else:
        for plan in live:
            fetched[plan.index] = list(plan.query(extra))
    sample = next((rows[0] for rows in fetched if rows), None)
    found = {name: _value(sample, f"{ALSO}{name}") for name in also or {}} if sample is not None else {}
    pages = [plan.page(rows) for plan, rows in zip(plans, fetched, strict=True)]
    for page in pages:
        page.also = found
    return pages


class _Plan:
    """One list's page: its statement (or its part of a shared one), and how rows become the page."""

    def __init__(self, read: ListRead, index: int) -> None:
        self.read, self.index = read, index
        time_field = read.time_field
        self.rows = read.rows.filter(read.where) if read.where else read.rows
        # The first COUNT_CAP + 1 rows in the list's own order: the same index as the page reads.
        first_order = (f"-{time_field}", "-id") if read.descending else (time_field, "id")
        self.capped = self.rows.order_by(*first_order).values("pk")[: COUNT_CAP + 1]
        self.position = parse(read.cursor)
        self.backward = self.position is not None and self.position[0] == BACKWARD
        # Reading backward walks the list in reverse from the cursor, then turns the page round.
        self.reverse = read.descending != self.backward
        self.order = (f"-{time_field}", "-id") if self.reverse else (time_field, "id")
        self.narrow = read.where
        if self.position is not None:
            moment, row_id = self.position[1], self.position[2]
            self.narrow &= after(time_field, moment, row_id, descending=self.reverse)
        self.size, self.member = f"{LIST_SIZE}_{index}", f"{LIST_MEMBER}_{index}"
        try:
            count_sql, self.count_params = self.capped.query.sql_with_params()
        except EmptyResultSet:  # a filter nothing can match (a search that found nobody)
            self.empty = True
            return
        self.empty = False
        # The count's SQL is the ORM's own, with its parameters kept apart: nothing is pasted in.
        self.count_sql = f"SELECT COUNT(*) FROM ({count_sql}) AS capped"  # noqa: S608

    def count(self) -> RawSQL:
        return RawSQL(self.count_sql, self.count_params)  # noqa: S611

    def query(self, also: dict[str, Any]) -> QuerySet[Any]:
        """The page's own statement: its rows, with what they show, the list's count and `also`."""
        read = self.read
        rows = read.decorate(read.rows).filter(self.narrow) if self.narrow else read.decorate(read.rows)
        return rows.annotate(**{self.size: self.count()}, **also).order_by(*self.order)[: read.size + 1]

    def ids(self) -> QuerySet[Any]:
        """The ids of the page's rows (its part of a shared statement)."""
        rows = self.read.rows.filter(self.narrow) if self.narrow else self.read.rows
        return rows.order_by(*self.order).values("pk")[: self.read.size + 1]

    def columns(self) -> dict[str, Any]:
        """What a row of a shared statement says about this list: its count, and whether the row
        is on the list past its cursor."""
        return {
            self.size: self.count(),
            self.member: ExpressionWrapper(self.narrow or Q(pk__isnull=False), output_field=BooleanField()),
        }

    def page(self, fetched: list[Any]) -> KeysetPage:
        read, position = self.read, self.position
        # A shared statement holds other lists' rows too, in no order: the page's own first.
        fetched.sort(key=lambda row: (_value(row, read.time_field), _value(row, "pk")), reverse=self.reverse)
        fetched = fetched[: read.size + 1]
        if fetched:
            count = _value(fetched[0], self.size)
        else:  # an empty list, or a cursor past its end (the count needs its own statement then)
            count = 0 if position is None or self.empty else self.capped.count()
        if read.line is not None:
            fetched = [
                read.line(**{k: v for k, v in row.items() if not k.startswith(_PAGING_PREFIXES)})
                for row in fetched
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
