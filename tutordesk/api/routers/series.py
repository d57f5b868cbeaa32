"""Recurring lessons (CONTRACT §12): create a series (or preview it), read it, end it."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from django.http import HttpResponse
from ninja import Field, Router
from pydantic import BeforeValidator, JsonValue
from typing_extensions import TypedDict

from tutordesk.api.auth import AuthedRequest
from tutordesk.api.idempotent import IdempotencyKey, respond_once
from tutordesk.api.params import ObjectId
from tutordesk.api.responses import READ_ERRORS, WRITE_ERRORS, ok
from tutordesk.api.schemas import (
    ApiDateTime,
    DurationMinutes,
    InputSchema,
    MeetLink,
    Reason,
    _whole_number,
)
from tutordesk.core.validation import YEAR_PATTERN
from tutordesk.scheduling.series import (
    MAX_INTERVAL,
    MAX_OCCURRENCES,
    MIN_INTERVAL,
    WEEKDAYS,
    clean_rule,
    series_create,
    series_end,
    series_get,
    series_preview,
    series_sessions,
    zone_names,
)
from tutordesk.scheduling.shapes import SeriesOut, SeriesWithSessionsOut, series_dict, session_dict

router = Router(tags=["series"])

Weekday = Annotated[str, Field(pattern="^(MO|TU|WE|TH|FR|SA|SU)$")]
# Every IANA name this server knows, as an enum: JSON Schema can say it, so the document does
# (the service checks it: an unknown name is a validation_error naming `timezone`).
TIME_ZONE_NAMES: list[JsonValue] = [*sorted(zone_names())]
Interval = Annotated[int, Field(ge=MIN_INTERVAL, le=MAX_INTERVAL), BeforeValidator(_whole_number)]
Count = Annotated[int, Field(ge=1, le=MAX_OCCURRENCES), BeforeValidator(_whole_number)]


class SeriesCreateIn(InputSchema):
    match_id: uuid.UUID = Field(description="the active match whose lessons these are")
    start_at: ApiDateTime = Field(
        description="the first lesson's start; its wall-clock time in `timezone` is kept"
    )
    timezone: str = Field(
        max_length=64,
        json_schema_extra={"enum": TIME_ZONE_NAMES},
        description="IANA time zone name, e.g. Europe/Berlin",
    )
    duration_minutes: DurationMinutes
    meet_link: MeetLink | None = Field(None, description="an https:// link for every lesson, or null")
    interval: Interval = Field(MIN_INTERVAL, description="every 1–4 weeks (default 1)")
    weekdays: list[Weekday] | None = Field(
        None,
        min_length=1,
        max_length=len(WEEKDAYS),
        description="days of the week, MO…SU (default: the weekday of start_at in timezone)",
    )
    count: Count | None = Field(
        None, description=f"how many lessons (1–{MAX_OCCURRENCES}); give exactly one of count and until"
    )
    until: date | None = Field(
        None,
        json_schema_extra={"pattern": YEAR_PATTERN},
        description=f"the last date (inclusive, in timezone); give exactly one of count and until; "
        f"at most {MAX_OCCURRENCES} lessons",
    )
    dry_run: bool = Field(False, description="true: answer the preview (200) and create nothing")


class SeriesEndIn(InputSchema):
    from_: ApiDateTime = Field(
        alias="from", description="occurrences starting at or after this leave the schedule"
    )
    reason: Reason = Field(description="why the series ends; not blank")


class ConflictOut(TypedDict):
    scheduled_start_at: str
    conflicting_session_id: str | None
    conflicting_start_at: str


class OccurrenceOut(TypedDict):
    scheduled_start_at: str
    conflict: ConflictOut | None


class SeriesPreviewOut(TypedDict):
    occurrences: list[OccurrenceOut]


class SeriesEndOut(TypedDict):
    series: SeriesOut
    ended: int


@router.post(
    "/series",
    response={200: SeriesPreviewOut, 201: SeriesWithSessionsOut, **WRITE_ERRORS},
    operation_id="series_create",
)
def series_create_view(
    request: AuthedRequest, payload: SeriesCreateIn, idempotency_key: str | None = IdempotencyKey
) -> HttpResponse:
    """Book a weekly series of lessons (the match's tutor, or an admin): all of them or none.
    Any clash → 409 `tutor_double_booked` with every clash in `conflicts`. `dry_run: true` → 200
    `{occurrences: [{scheduled_start_at, conflict}]}`, nothing created. A wall-clock time that
    does not exist or exists twice on some date in `timezone` is a validation_error."""

    def run() -> tuple[int, Any]:
        rule = clean_rule(
            start_at=payload.start_at,
            timezone=payload.timezone,
            interval=payload.interval,
            weekdays=payload.weekdays,
            count=payload.count,
            until=payload.until,
        )
        if payload.dry_run:
            preview = series_preview(
                match_id=payload.match_id,
                rule=rule,
                duration_minutes=payload.duration_minutes,
                actor=request.auth,
            )
            return 200, {"occurrences": [occurrence.as_json() for occurrence in preview.occurrences]}
        made = series_create(
            match_id=payload.match_id,
            rule=rule,
            duration_minutes=payload.duration_minutes,
            meet_link=payload.meet_link,
            actor=request.auth,
        )
        return 201, {
            "series": series_dict(made.series),
            "sessions": [session_dict(session) for session in made.sessions],
        }

    return respond_once(request, key=idempotency_key, run=run)


@router.get(
    "/series/{series_id}", response={200: SeriesWithSessionsOut, **READ_ERRORS}, operation_id="series_get"
)
def series_get_view(request: AuthedRequest, series_id: str = ObjectId) -> HttpResponse:
    """A series and every one of its lessons (whoever may see its lessons)."""
    series = series_get(series_id=series_id, user=request.auth)
    return ok({"series": series_dict(series), "sessions": [session_dict(s) for s in series_sessions(series)]})


@router.post(
    "/series/{series_id}/end", response={200: SeriesEndOut, **WRITE_ERRORS}, operation_id="series_end"
)
def series_end_view(
    request: AuthedRequest,
    payload: SeriesEndIn,
    series_id: str = ObjectId,
    idempotency_key: str | None = IdempotencyKey,
) -> HttpResponse:
    """End a series from a time (the match's tutor, or an admin): every occurrence still
    scheduled at or after `from` leaves the schedule (`rescheduled`, no charge, no replacement)."""

    def run() -> tuple[int, Any]:
        ended = series_end(
            series_id=series_id, from_=payload.from_, reason=payload.reason, actor=request.auth
        )
        return 200, {"series": series_dict(ended.series), "ended": ended.ended}

    return respond_once(request, key=idempotency_key, run=run)
