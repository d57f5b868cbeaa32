"""Building blocks of the JSON shapes (CONTRACT §4): one definition per resource, in its own app.

Each app defines its output shape once, as a TypedDict plus the function that builds it
(`scheduling.shapes.SessionOut` / `session_dict`, …). The same definition is the API's response
schema (so the OpenAPI document is the shape), the body stored for idempotent replays, and the
data events carry. Values are JSON-ready: ids and times are strings, declared with their format.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import WithJsonSchema

UuidText = Annotated[str, WithJsonSchema({"type": "string", "format": "uuid"})]
IsoDateTime = Annotated[
    str, WithJsonSchema({"type": "string", "format": "date-time", "description": "ISO 8601 with offset"})
]


def id_text(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def time_text(value: datetime) -> str:
    return value.isoformat()
