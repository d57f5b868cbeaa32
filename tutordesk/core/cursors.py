"""Opaque keyset cursors: the (time, id) of a row, as URL-safe text. The API and the pages both
page this way (no OFFSET), so page 10 000 costs what page 1 does."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import UTC, datetime

from django.db.models import F, Q
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan

from tutordesk.core.errors import ValidationError

MAX_CURSOR_LENGTH = 200


def encode_cursor(moment: datetime, row_id: uuid.UUID) -> str:
    raw = json.dumps([moment.isoformat(), str(row_id)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """The (time, id) a cursor holds; ValidationError for anything this code did not issue."""
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


def after(time_field: str, moment: datetime, row_id: uuid.UUID, *, descending: bool) -> Q:
    """Rows after (moment, row_id) in (time_field, id) order, ascending or descending.

    `t >= :t AND (t, id) > (:t, :id)`: PostgreSQL starts the range scan of a (…, t, id) index
    exactly at the row-value bound, so a deep page stays cheap even when thousands of rows share one
    time (lessons on the hour); SQLite, which Django gives no row values, expands the bound, and the
    plain `t >= :t` starts its scan at the cursor's time.
    """
    key = Tuple(F(time_field), F("id"))
    if descending:
        return Q(Q(**{f"{time_field}__lte": moment}), TupleLessThan(key, (moment, row_id)))
    return Q(Q(**{f"{time_field}__gte": moment}), TupleGreaterThan(key, (moment, row_id)))
