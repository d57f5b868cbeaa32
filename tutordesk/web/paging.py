"""Keyset pages for the pages' lists: "Newer / Older" (or "Earlier / Later") links carry an opaque
cursor, never a page number, so a deep page costs what the first one does (no OFFSET), and the
count is bounded ("500+"), never a COUNT(*) over the whole list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from tutordesk.core.cursors import after, decode_cursor, encode_cursor
from tutordesk.core.errors import ValidationError

COUNT_CAP = 500
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


def keyset_page(
    rows: QuerySet[Any],
    *,
    time_field: str,
    descending: bool,
    cursor: str | None,
    size: int,
    decorate: Callable[[QuerySet[Any]], QuerySet[Any]] = lambda qs: qs,
) -> KeysetPage:
    """One page of `rows` in (time_field, id) order, and the cursors of its neighbours.

    `decorate` adds what the rows show (joins, annotations) to the page's own query only; the
    bounded count reads the bare list.
    """
    # The first COUNT_CAP + 1 rows in the list's own order: the same index as the page reads.
    first_order = (f"-{time_field}", "-id") if descending else (time_field, "id")
    count = rows.order_by(*first_order)[: COUNT_CAP + 1].count()
    position = parse(cursor)
    backward = position is not None and position[0] == BACKWARD
    # Reading backward walks the list in reverse from the cursor, then turns the page round.
    reverse = descending != backward
    order = (f"-{time_field}", "-id") if reverse else (time_field, "id")
    page_rows = decorate(rows).order_by(*order)
    if position is not None:
        page_rows = page_rows.filter(after(time_field, position[1], position[2], descending=reverse))
    fetched = list(page_rows[: size + 1])
    more = len(fetched) > size
    fetched = fetched[:size]
    if backward:
        fetched.reverse()
    has_before = more if backward else position is not None
    has_after = True if backward else more
    return KeysetPage(
        rows=fetched,
        before=_cursor(BACKWARD, fetched[0], time_field) if fetched and has_before else None,
        after=_cursor(FORWARD, fetched[-1], time_field) if fetched and has_after else None,
        count=count,
    )


def _cursor(direction: str, row: Any, time_field: str) -> str:
    return f"{direction}.{encode_cursor(getattr(row, time_field), row.pk)}"
