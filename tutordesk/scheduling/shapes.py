"""The JSON shapes of sessions and of a status change (CONTRACT §4 `Session`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field
from typing_extensions import TypedDict

from tutordesk.core.shapes import IsoDateTime, UuidText, id_text, time_text
from tutordesk.scheduling.models import Series, Session
from tutordesk.scheduling.status import SESSION_STATUS_LABELS, SessionStatusName
from tutordesk.tutoring.shapes import PackageOut, package_dict

if TYPE_CHECKING:  # the services build events from these shapes, so they import this module
    from tutordesk.scheduling.services import StatusChange


class SessionOut(TypedDict):
    id: UuidText
    match_id: UuidText
    request_id: UuidText
    tutor_id: UuidText
    student_id: UuidText
    scheduled_start_at: IsoDateTime
    duration_minutes: int
    meet_link: str | None
    status: SessionStatusName
    status_label: str
    tutor_notes: str
    package_id: UuidText | None
    rescheduled_from_id: UuidText | None
    updated_by_user_id: UuidText | None
    updated_at: IsoDateTime
    created_at: IsoDateTime
    series_id: Annotated[
        UuidText | None, Field(description="the series this lesson belongs to; null for a lone lesson")
    ]


class StatusChangeOut(TypedDict):
    session: SessionOut
    package: Annotated[PackageOut | None, Field(description="the package charged or refunded, if any")]
    replacement_session: Annotated[
        SessionOut | None, Field(description="the new session a reschedule with `new_start_at` created")
    ]


def session_dict(session: Session) -> SessionOut:
    return {
        "id": str(session.id),
        "match_id": str(session.match_id),
        "request_id": str(session.request_id),
        "tutor_id": str(session.tutor_id),
        "student_id": str(session.student_id),
        "scheduled_start_at": time_text(session.scheduled_start_at),
        "duration_minutes": session.duration_minutes,
        "meet_link": session.meet_link,
        "status": session.status,  # type: ignore[typeddict-item]  # django-stubs types a choices CharField as str; a CHECK constraint holds the values
        "status_label": SESSION_STATUS_LABELS[session.status],
        "tutor_notes": session.tutor_notes,
        "package_id": id_text(session.package_id),
        "rescheduled_from_id": id_text(session.rescheduled_from_id),
        "updated_by_user_id": id_text(session.updated_by_id),
        "updated_at": time_text(session.updated_at),
        "created_at": time_text(session.created_at),
        "series_id": id_text(session.series_id),
    }


def status_change_dict(change: StatusChange) -> StatusChangeOut:
    return {
        "session": session_dict(change.session),
        "package": package_dict(change.package) if change.package else None,
        "replacement_session": (
            session_dict(change.replacement_session) if change.replacement_session else None
        ),
    }


class SeriesOut(TypedDict):
    id: UuidText
    match_id: UuidText
    rrule: Annotated[str, Field(description="RFC 5545, e.g. FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TH;COUNT=10")]
    timezone: Annotated[str, Field(description="the IANA time zone whose wall-clock time the lessons keep")]
    start_at: Annotated[IsoDateTime, Field(description="the first lesson's start (the rule's DTSTART)")]
    duration_minutes: int
    meet_link: str | None
    created_at: IsoDateTime
    created_by_user_id: UuidText
    ended_at: Annotated[IsoDateTime | None, Field(description="when the series was ended from some date")]
    replaces_series_id: Annotated[
        UuidText | None, Field(description="the series this one continues (change this and following)")
    ]


class SeriesWithSessionsOut(TypedDict):
    series: SeriesOut
    sessions: list[SessionOut]


def series_dict(series: Series) -> SeriesOut:
    return {
        "id": str(series.id),
        "match_id": str(series.match_id),
        "rrule": series.rrule,
        "timezone": series.timezone,
        "start_at": time_text(series.start_at),
        "duration_minutes": series.duration_minutes,
        "meet_link": series.meet_link,
        "created_at": time_text(series.created_at),
        "created_by_user_id": str(series.created_by_id),
        "ended_at": time_text(series.ended_at) if series.ended_at else None,
        "replaces_series_id": id_text(series.replaces_id),
    }
