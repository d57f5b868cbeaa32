"""Small input checks shared by services, the API and the pages: each rule is written once here."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from django.utils import timezone

from tutordesk.core.errors import ValidationError

# No database stores a NUL character in text (PostgreSQL refuses it outright), so no input may hold one.
# The pattern is the same rule for JSON Schema (the OpenAPI document's string fields).
NO_NUL_PATTERN = r"^[^\x00]*$"
# Text that must say something (a correction's reason): not only spaces, and no NUL. "Space" is
# spelled out, the union of what Python and JSON Schema (ECMA-262) each call white space, so the
# OpenAPI document and the server accept exactly the same text.
_SPACE = r"\t\n\x0b\x0c\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
NOT_BLANK_PATTERN = rf"^[{_SPACE}]*[^{_SPACE}\x00][^\x00]*$"
_NOT_BLANK = re.compile(NOT_BLANK_PATTERN)


def contains_nul(value: Any) -> bool:
    """Whether a string, or any key or string inside a dict/list, holds a NUL character."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(contains_nul(item) for item in value)
    return False


def clean_text(value: object, *, field: str, max_length: int, required: bool = False) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{field} must be text", field=field)
    if contains_nul(value):
        raise ValidationError(f"{field} must not contain NUL characters", field=field)
    if len(value) > max_length:
        raise ValidationError(f"{field} must be at most {max_length} characters", field=field)
    if required and not _NOT_BLANK.match(value):
        raise ValidationError(f"{field} is required", field=field)
    return value


# Lessons happen in this century: a time outside it is a typo, and the far ends of the calendar
# overflow date arithmetic (an end time, a viewer's time zone). The year is read as written (in
# the time's own offset), so the rule is also a JSON Schema pattern on the text.
TIME_RANGE_MESSAGE = "must be between the years 2000 and 2099"
YEAR_PATTERN = r"^20[0-9]{2}-"


def in_time_range(value: datetime | date) -> bool:
    return 2000 <= value.year <= 2099


# A meet link: https, a host name with a dot (or `localhost`) and an optional port, path and query,
# all printable ASCII. The same pattern is the API's JSON Schema and the services' check.
MEET_LINK_MAX_LENGTH = 500
MEET_LINK_PATTERN = (
    r"^https://(localhost|([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
    r"(:[0-9]{1,5})?([/?#][\x21-\x7e]*)?$"
)
_MEET_LINK_RE = re.compile(MEET_LINK_PATTERN)


def clean_meet_link(value: object, *, field: str = "meet_link") -> str | None:
    """An https:// link to the lesson's call, or None for none ("" counts as none)."""
    if value is None or value == "":
        return None
    link = clean_text(value, field=field, max_length=MEET_LINK_MAX_LENGTH).strip()
    if not _MEET_LINK_RE.fullmatch(link):
        raise ValidationError(
            f"{field} must be an https:// link, e.g. https://meet.example.com/abc", field=field
        )
    return link


def clean_aware_datetime(value: object, *, field: str) -> datetime:
    """An aware time whose year, as written, is in range; returned as the same instant in UTC
    (ISO 8601 allows offsets up to ±23:59, PostgreSQL only up to ±15:59)."""
    if not isinstance(value, datetime):
        raise ValidationError(f"{field} must be a date and time", field=field)
    if timezone.is_naive(value):
        raise ValidationError(f"{field} must include a UTC offset", field=field)
    if not in_time_range(value):
        raise ValidationError(f"{field} {TIME_RANGE_MESSAGE}", field=field)
    return value.astimezone(UTC)


def clean_int(value: object, *, field: str, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{field} must be a whole number", field=field)
    if not minimum <= value <= maximum:
        raise ValidationError(f"{field} must be between {minimum} and {maximum}", field=field)
    return value
