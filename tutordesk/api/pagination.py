"""Keyset pagination: an opaque cursor holds the (time, id) of the last row returned.

Each page is `WHERE t >= :t AND (t > :t OR id > :id) ORDER BY t, id LIMIT n + 1` (or the mirror
for newest first). The plain `t >= :t` lets the (…, t, id) indexes start the range scan at the
cursor, so page 10 000 costs what page 1 does; an OFFSET would read every row before it.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet

from tutordesk.core.errors import ValidationError

M = TypeVar("M", bound=Model)

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_CURSOR_LENGTH = 200


def encode_cursor(moment: datetime, row_id: uuid.UUID) -> str:
    raw = json.dumps([moment.isoformat(), str(row_id)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError("too long")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        moment_text, id_text = json.loads(raw)
        moment = datetime.fromisoformat(moment_text)
        if moment.tzinfo is None:
            raise ValueError("naive")
        return moment.astimezone(UTC), uuid.UUID(id_text)
    except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationError(
            "cursor is not one this API issued; start again without it", field="cursor"
        ) from exc


def keyset_page(
    rows: QuerySet[M],
    *,
    time_field: str,
    cursor: str | None,
    limit: int,
    newest_first: bool = False,
    to_dict: Callable[[M], dict[str, Any]],
) -> dict[str, Any]:
    """One page of `rows` (already ordered by (time_field, id), ascending or descending)."""
    if cursor is not None:
        moment, row_id = decode_cursor(cursor)
        if newest_first:
            after = Q(**{f"{time_field}__lte": moment}) & (
                Q(**{f"{time_field}__lt": moment}) | Q(id__lt=row_id)
            )
        else:
            after = Q(**{f"{time_field}__gte": moment}) & (
                Q(**{f"{time_field}__gt": moment}) | Q(id__gt=row_id)
            )
        rows = rows.filter(after)
    page = list(rows[: limit + 1])
    next_cursor = None
    if len(page) > limit:
        page = page[:limit]
        last = page[-1]
        next_cursor = encode_cursor(getattr(last, time_field), last.pk)
    return {"items": [to_dict(row) for row in page], "next_cursor": next_cursor}
