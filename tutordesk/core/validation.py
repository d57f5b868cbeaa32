"""Small input checks shared by services: each raises a domain ValidationError with plain words."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.utils import timezone

from tutordesk.core.errors import ValidationError


def clean_text(value: object, *, field: str, max_length: int, required: bool = False) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{field} must be text", field=field)
    if "\x00" in value:
        raise ValidationError(f"{field} must not contain NUL characters", field=field)
    if len(value) > max_length:
        raise ValidationError(f"{field} must be at most {max_length} characters", field=field)
    if required and not value.strip():
        raise ValidationError(f"{field} is required", field=field)
    return value


# Lessons happen in this century: a time outside it is a typo, and the far ends of the calendar
# overflow date arithmetic (an end time, a viewer's time zone).
EARLIEST_TIME = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_TIME = datetime(2100, 1, 1, tzinfo=UTC)
TIME_RANGE_MESSAGE = "must be between the years 2000 and 2099"


def in_time_range(value: datetime | date) -> bool:
    if isinstance(value, datetime):
        return EARLIEST_TIME <= value < LATEST_TIME if value.tzinfo else 2000 <= value.year <= 2099
    return EARLIEST_TIME.date() <= value < LATEST_TIME.date()


def clean_aware_datetime(value: object, *, field: str) -> datetime:
    if not isinstance(value, datetime):
        raise ValidationError(f"{field} must be a date and time", field=field)
    if timezone.is_naive(value):
        raise ValidationError(f"{field} must include a UTC offset", field=field)
    if not in_time_range(value):
        raise ValidationError(f"{field} {TIME_RANGE_MESSAGE}", field=field)
    return value


def clean_int(value: object, *, field: str, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{field} must be a whole number", field=field)
    if not minimum <= value <= maximum:
        raise ValidationError(f"{field} must be between {minimum} and {maximum}", field=field)
    return value
