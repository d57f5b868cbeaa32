"""Request and response shapes (CONTRACT §4). Inputs are strict enough that no value reaches the
database it cannot store: no NUL characters, aware times that fit in UTC, bounded numbers."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
)

from tutordesk.core.validation import TIME_RANGE_MESSAGE, in_time_range
from tutordesk.scheduling.models import MAX_DURATION_MINUTES, MIN_DURATION_MINUTES
from tutordesk.scheduling.services import MAX_NOTES_LENGTH, MAX_REASON_LENGTH
from tutordesk.tutoring.services import MAX_PACKAGE_SESSIONS

NO_NUL = r"^[^\x00]*$"
ISO_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
SessionStatusName = Literal["scheduled", "done", "rescheduled", "no_show_student", "no_show_tutor"]


def _fits_in_utc(value: datetime) -> datetime:
    try:
        value = value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("date and time out of range") from exc
    if not in_time_range(value):
        raise ValueError(TIME_RANGE_MESSAGE)
    return value


def _iso_text(value: object) -> object:
    """Only ISO 8601 text: pydantic alone would also take numbers as Unix timestamps."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not ISO_DATE_TIME.match(value):
        raise ValueError(
            "must be an ISO 8601 date and time with a UTC offset, e.g. 2030-01-31T09:00:00+01:00"
        )
    return value


ApiDateTime = Annotated[AwareDatetime, BeforeValidator(_iso_text), AfterValidator(_fits_in_utc)]


def text(max_length: int, min_length: int = 0) -> Any:
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length, pattern=NO_NUL)]


class InputSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class SessionCreateIn(InputSchema):
    match_id: uuid.UUID
    scheduled_start_at: ApiDateTime
    duration_minutes: StrictInt = Field(ge=MIN_DURATION_MINUTES, le=MAX_DURATION_MINUTES)
    meet_link: text(500) | None = Field(None, description="an https:// URL")  # type: ignore[valid-type]


class StatusUpdateIn(InputSchema):
    status: SessionStatusName
    tutor_notes: text(MAX_NOTES_LENGTH) | None = None  # type: ignore[valid-type]
    new_start_at: ApiDateTime | None = Field(None, description="only with status rescheduled")


class CorrectionIn(InputSchema):
    status: SessionStatusName
    reason: text(MAX_REASON_LENGTH, min_length=1)  # type: ignore[valid-type]


class PackageCreateIn(InputSchema):
    request_id: uuid.UUID
    sessions_total: StrictInt = Field(ge=1, le=MAX_PACKAGE_SESSIONS)


class MeOut(Schema):
    id: uuid.UUID
    email: str
    name: str
    role: Literal["student", "tutor", "admin"]
    timezone: str


class MatchOut(Schema):
    id: uuid.UUID
    request_id: uuid.UUID
    tutor_id: uuid.UUID
    student_id: uuid.UUID
    subject: str
    status: Literal["active", "ended"]


class SessionOut(Schema):
    id: uuid.UUID
    match_id: uuid.UUID
    request_id: uuid.UUID
    tutor_id: uuid.UUID
    student_id: uuid.UUID
    scheduled_start_at: datetime
    duration_minutes: int
    meet_link: str | None
    status: SessionStatusName
    status_label: str
    tutor_notes: str
    package_id: uuid.UUID | None
    rescheduled_from_id: uuid.UUID | None
    updated_by_user_id: uuid.UUID | None
    updated_at: datetime
    created_at: datetime


class PackageOut(Schema):
    id: uuid.UUID
    request_id: uuid.UUID
    sessions_total: int
    sessions_used: int
    sessions_remaining: int
    status: Literal["active", "exhausted", "cancelled"]
    created_at: datetime
    updated_at: datetime


class AuditLogOut(Schema):
    id: uuid.UUID
    created_at: datetime
    actor_user_id: uuid.UUID | None
    action: str
    entity_type: str
    entity_id: uuid.UUID
    details: dict[str, Any]


class StatusChangeOut(Schema):
    session: SessionOut
    package: PackageOut | None = Field(description="the package charged or refunded, if any")
    replacement_session: SessionOut | None


class MatchPage(Schema):
    items: list[MatchOut]
    next_cursor: str | None


class SessionPage(Schema):
    items: list[SessionOut]
    next_cursor: str | None


class AuditLogPage(Schema):
    items: list[AuditLogOut]
    next_cursor: str | None


class Problem(Schema):
    """application/problem+json (RFC 9457), plus context such as `current_status` or `errors`."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    code: str
    current_status: SessionStatusName | None = Field(None, description="with invalid_transition")
