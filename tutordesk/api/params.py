"""Query and path parameters shared by the routers, each declared once with its rule."""

from __future__ import annotations

from typing import Any

from ninja import Path, Query

from tutordesk.api.pagination import DEFAULT_LIMIT, MAX_CURSOR_LENGTH, MAX_LIMIT

Limit: Any = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"page size, 1–{MAX_LIMIT}")
Cursor: Any = Query(
    None,
    max_length=MAX_CURSOR_LENGTH,
    pattern=r"^[A-Za-z0-9_-]+$",
    description=(
        "opaque: the `next_cursor` of the page before, exactly as this API issued it "
        "(anything else is a validation_error); omit for the first page"
    ),
)
From: Any = Query(None, alias="from", description="only sessions with scheduled_start_at >= from")
To: Any = Query(None, alias="to", description="only sessions with scheduled_start_at < to")
ObjectId: Any = Path(..., description="a UUID; anything else is simply not found (404)")
