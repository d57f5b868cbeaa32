"""Request shapes and list pages (CONTRACT §4). Output shapes are each app's own (`*/shapes.py`).

Inputs say in JSON Schema every rule JSON Schema can say (lengths, bounds, the https:// link, the
years 2000–2099, no NUL character), and state the rest in the field's description, so a client
generated from the OpenAPI document sends what the server accepts.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Annotated

from ninja import Schema
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, ConfigDict, Field, StringConstraints

from tutordesk.audit.shapes import AuditLogOut
from tutordesk.core.validation import (
    MEET_LINK_MAX_LENGTH,
    MEET_LINK_PATTERN,
    NO_NUL_PATTERN,
    NOT_BLANK_PATTERN,
    TIME_RANGE_MESSAGE,
    YEAR_PATTERN,
    in_time_range,
)
from tutordesk.scheduling.models import MAX_DURATION_MINUTES, MIN_DURATION_MINUTES
from tutordesk.scheduling.services import MAX_NOTES_LENGTH, MAX_REASON_LENGTH
from tutordesk.scheduling.shapes import SessionOut
from tutordesk.scheduling.status import SessionStatusName
from tutordesk.tutoring.services import MAX_PACKAGE_SESSIONS
from tutordesk.tutoring.shapes import MatchOut, RequestOut

ISO_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
TIME_DESCRIPTION = (
    "ISO 8601 date and time with a UTC offset (e.g. 2030-01-31T09:00:00+01:00), "
    "in the years 2000–2099 as written; any other year is a validation_error."
)


def _iso_text(value: object) -> object:
    """Only ISO 8601 text: pydantic alone would also take numbers as Unix timestamps."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not ISO_DATE_TIME.match(value):
        raise ValueError(
            "must be an ISO 8601 date and time with a UTC offset, e.g. 2030-01-31T09:00:00+01:00"
        )
    return value


def _in_range(value: datetime) -> datetime:
    if not in_time_range(value):
        raise ValueError(TIME_RANGE_MESSAGE)
    return value


def _utc(value: datetime) -> datetime:
    # ISO 8601 allows offsets up to ±23:59, PostgreSQL only up to ±15:59: filter on the instant in UTC.
    return value.astimezone(UTC)


# A body's time goes to a service as written (its year is checked as written; the service stores
# the instant in UTC); a query's time filters a selector, so it is turned into UTC here.
ApiDateTime = Annotated[
    AwareDatetime,
    BeforeValidator(_iso_text),
    AfterValidator(_in_range),
    Field(json_schema_extra={"pattern": YEAR_PATTERN}, description=TIME_DESCRIPTION),
]
ApiDateTimeFilter = Annotated[ApiDateTime, AfterValidator(_utc)]


def _whole_number(value: object) -> object:
    """JSON Schema's integer: 15 and 15.0 are the integer 15; 15.5, "15" and true are not."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a whole number")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("must be a whole number")
        return int(value)
    return value


# The bounds go before the validator: pydantic writes them as minimum/maximum only then.
DurationMinutes = Annotated[
    int, Field(ge=MIN_DURATION_MINUTES, le=MAX_DURATION_MINUTES), BeforeValidator(_whole_number)
]
SessionsTotal = Annotated[int, Field(ge=1, le=MAX_PACKAGE_SESSIONS), BeforeValidator(_whole_number)]
Notes = Annotated[str, StringConstraints(max_length=MAX_NOTES_LENGTH, pattern=NO_NUL_PATTERN)]
Reason = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_REASON_LENGTH, pattern=NOT_BLANK_PATTERN)
]
MeetLink = Annotated[str, StringConstraints(max_length=MEET_LINK_MAX_LENGTH, pattern=MEET_LINK_PATTERN)]


class InputSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class SessionCreateIn(InputSchema):
    match_id: uuid.UUID
    scheduled_start_at: ApiDateTime
    duration_minutes: DurationMinutes
    meet_link: MeetLink | None = Field(
        None, description="an https:// link to the lesson's video call, or null"
    )


class StatusUpdateIn(InputSchema):
    status: SessionStatusName
    tutor_notes: Notes | None = None
    new_start_at: ApiDateTime | None = Field(
        None,
        description=(
            "Only with status `rescheduled`, and in the future: creates the replacement session "
            "(same match, duration and meet link) at this time. "
            f"{TIME_DESCRIPTION}"
        ),
    )


class SessionDetailsIn(InputSchema):
    """Only the fields given change; `{}` changes nothing."""

    meet_link: MeetLink | None = Field(
        None,
        description=(
            "an https:// link to the lesson's video call; null clears a typed link (the meeting "
            "provider, if the business has one, then makes one). Left out: unchanged."
        ),
    )
    duration_minutes: DurationMinutes = Field(
        None,  # type: ignore[assignment]  # left out: unchanged (null is refused, as any non-integer)
        description=(
            "the lesson's new length; a longer lesson must not overlap another of the tutor's "
            "(tutor_double_booked). Left out: unchanged."
        ),
    )


class CorrectionIn(InputSchema):
    status: SessionStatusName
    reason: Reason = Field(description="why the recorded status was wrong; not blank")


class CancelIn(InputSchema):
    reason: Reason = Field(description="why the lesson is cancelled; not blank")


class PackageCreateIn(InputSchema):
    request_id: uuid.UUID
    sessions_total: SessionsTotal


# Requests and matches (CONTRACT §11).
Subject = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NOT_BLANK_PATTERN)]


class RequestCreateIn(InputSchema):
    student_id: uuid.UUID = Field(description="a student's id (anyone else is a validation_error)")
    subject: Subject


class MatchCreateIn(InputSchema):
    request_id: uuid.UUID
    tutor_id: uuid.UUID = Field(description="a tutor's id (anyone else is a validation_error)")


class MatchEndIn(InputSchema):
    reason: Reason = Field(description="why the match ends; not blank")


class MatchReassignIn(InputSchema):
    tutor_id: uuid.UUID = Field(
        description="the new tutor: a tutor other than the match's own (anyone else is a validation_error)"
    )
    reason: Reason = Field(description="why the match moves to another tutor; not blank")


class RequestPage(Schema):
    items: list[RequestOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class MatchPage(Schema):
    items: list[MatchOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class SessionPage(Schema):
    items: list[SessionOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class AuditLogPage(Schema):
    items: list[AuditLogOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class Problem(Schema):
    """application/problem+json (RFC 9457), plus context such as `current_status` or `errors`."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    code: str
    current_status: SessionStatusName | None = Field(None, description="with invalid_transition")
