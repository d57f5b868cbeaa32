"""Keyset pagination: an opaque cursor holds the (time, id) of the last row returned.

Each page is `WHERE t >= :t AND (t, id) > (:t, :id) ORDER BY t, id LIMIT n + 1` (or the mirror for
newest first). PostgreSQL starts the range scan of the (…, t, id) index exactly at the row-value
bound, so page 10 000 costs what page 1 does even when thousands of rows share one time (a bulk
import, lessons on the hour); an OFFSET would read every row before it. SQLite, which Django gives no
row values, expands the bound; the plain `t >= :t` starts its scan at the cursor's time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from tutordesk.core.cursors import MAX_CURSOR_LENGTH, after, decode_cursor, encode_cursor

__all__ = ["DEFAULT_LIMIT", "MAX_CURSOR_LENGTH", "MAX_LIMIT", "decode_cursor", "encode_cursor", "keyset_page"]

M = TypeVar("M", bound=Model)

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def keyset_page(
    rows: QuerySet[M],
    *,
    time_field: str,
    cursor: str | None,
    limit: int,
    newest_first: bool = False,
    to_dict: Callable[[M], Any],
) -> dict[str, Any]:
    """One page of `rows` (already ordered by (time_field, id), ascending or descending)."""
    if cursor is not None:
        moment, row_id = decode_cursor(cursor)
        rows = rows.filter(after(time_field, moment, row_id, descending=newest_first))
    page = list(rows[: limit + 1])
    next_cursor = None
    if len(page) > limit:
        page = page[:limit]
        last = page[-1]
        next_cursor = encode_cursor(getattr(last, time_field), last.pk)
    return {"items": [to_dict(row) for row in page], "next_cursor": next_cursor}
